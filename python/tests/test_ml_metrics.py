"""csops.ml.metrics against values computed by hand (and, where it has one, sklearn's definition)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from csops.ml import metrics

pytestmark = pytest.mark.unit

Y = [1, 0, 1, 0, 0]
P = [0.9, 0.8, 0.3, 0.2, 0.1]


def test_auc_counts_pairs_ranked_right():
    # churner 0.9 beats all three non-churners, churner 0.3 beats 0.2 and 0.1: 5 of 6 pairs
    assert metrics.auc(Y, P) == pytest.approx(5 / 6)
    # a tie between a churner and a non-churner counts a half: (0.5 + 1 + 0 + 1) / 4
    assert metrics.auc([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.1]) == pytest.approx(0.625)
    assert metrics.auc([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.1]) == pytest.approx(
        roc_auc_score([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.1]))
    assert metrics.auc([0, 0, 0], [0.1, 0.2, 0.3]) is None
    assert metrics.auc([1, 1], [0.1, 0.2]) is None


def test_pr_auc_is_the_mean_precision_at_each_churner():
    # churners at ranks 1 and 3: precisions 1/1 and 2/3
    assert metrics.pr_auc(Y, P) == pytest.approx((1 + 2 / 3) / 2)
    # tied group first (1 churner of 2: precision 1/2, half the recall), then 2/3 at the second churner
    assert metrics.pr_auc([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.1]) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 2, 200), rng.integers(0, 10, 200) / 10  # many ties
    assert metrics.pr_auc(y, p) == pytest.approx(average_precision_score(y, p))
    assert metrics.pr_auc([0, 0], [0.2, 0.3]) is None


def test_top_decile_lift():
    # 20 rows, 4 churners (base rate 0.2); the top 2 rows hold one churner: 0.5 / 0.2
    y = [1, 0] + [1, 1, 0, 0] + [0] * 13 + [1]
    p = [0.99, 0.98] + [0.5] * 4 + [0.1] * 14
    assert metrics.top_decile_lift(y, p) == pytest.approx(2.5)
    # a constant forecast has no lift, whatever the row order
    assert metrics.top_decile_lift(y, [0.3] * 20) == pytest.approx(1.0)
    # 10 rows: the top row is a tie of a churner and a non-churner at 0.9; counts 1/2 churner; base 2/10
    assert metrics.top_decile_lift([0, 1] + [0] * 7 + [1], [0.9, 0.9] + [0.1] * 8) == pytest.approx(0.5 / 0.2)
    assert metrics.top_decile_lift([0, 0], [0.5, 0.1]) is None


def test_brier_skill_and_log_loss():
    assert metrics.brier([1, 0], [0.8, 0.4]) == pytest.approx((0.2**2 + 0.4**2) / 2)
    # against a 0.5 reference (brier 0.25): 1 - 0.1 / 0.25
    assert metrics.brier_skill([1, 0], [0.8, 0.4], 0.5) == pytest.approx(0.6)
    # one reference rate per row (pooled folds): references 0.5 and 0.0 -> reference brier (0.25 + 0) / 2
    assert metrics.brier_skill([1, 0], [0.8, 0.4], [0.5, 0.0]) == pytest.approx(1 - 0.1 / 0.125)
    assert metrics.brier_skill([0, 0], [0.1, 0.1], 0.0) is None  # a perfect reference: no skill to measure
    assert metrics.log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    assert metrics.log_loss([1], [0.0]) == pytest.approx(-math.log(1e-15))  # clipped, finite


def test_calibration_bins_are_equal_count_deciles():
    p = [i / 20 for i in range(20)]
    y = [0] * 10 + [0, 1] * 5
    bins = metrics.calibration_bins(y, p)
    assert [b["rows"] for b in bins] == [2] * 10
    assert bins[0] == {"bin": 1, "mean_predicted": 0.025, "observed_rate": 0.0, "rows": 2}
    assert bins[9] == {"bin": 10, "mean_predicted": 0.925, "observed_rate": 0.5, "rows": 2}
    assert len(metrics.calibration_bins([1, 0, 1], [0.2, 0.1, 0.3])) == 3  # fewer rows than bins: no empty bin


def test_summarize_holds_every_column():
    s = metrics.summarize(Y, P, 0.4)
    assert s["rows"] == 5 and s["churners"] == 2 and s["base_rate"] == pytest.approx(0.4)
    assert s["auc"] == pytest.approx(5 / 6)
    assert len(json.loads(s["calibration_bins"])) == 5
