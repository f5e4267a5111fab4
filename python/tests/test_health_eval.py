"""csops evaluate-health on a small synthetic warehouse and truth folder, written into tmp_path.

The world: 20 customers, customer i with a constant latent health (i + 0.5) / 20; customers 0-4 (the
least healthy) and 15 churn on Monday 2025-06-30, the others never; weekly scores on every Sunday of
2025 while live; as-of 2026-01-01. On the 180-day label every customer has the 26 weeks of
2025-01-05 .. 2025-06-29 graded, so by customer: 6 churners, 14 not, and the latent health's AUC is
(5 * 14 + 4) / (6 * 14) = 74 / 84 (customer 15 is riskier than only customers 16-19).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from csops.cli import main
from csops.health_eval import HealthEvalError, Thresholds, auc, evaluate, spearman

pytestmark = pytest.mark.unit

AS_OF = date(2026, 1, 1)
CHURN_DATE = date(2025, 6, 30)
CHURNERS = {0, 1, 2, 3, 4, 15}
SUNDAYS = [date(2025, 1, 5) + timedelta(weeks=k) for k in range(52)]


def band(score: float) -> str:
    return "red" if score < 35 else "yellow" if score < 60 else "green"


def write_world(root: Path, weekly: pd.DataFrame, customers: pd.DataFrame, identity: pd.DataFrame,
                health: pd.DataFrame, churns: pd.DataFrame, as_of: date = AS_OF) -> tuple[Path, Path]:
    warehouse, truth = root / "w.duckdb", root / "truth"
    truth.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("weekly_df", weekly)
        con.register("customers_df", customers)
        con.execute("create table marts.fct_customer_health_weekly as "
                    "select * replace (cast(week_end_date as date) as week_end_date) from weekly_df")
        con.execute("create table marts.dim_customers as select * from customers_df")
        for name, frame in (("identity_map", identity), ("health_monthly", health), ("churn_events", churns)):
            con.register("frame_df", frame)
            con.execute(f"copy (select * from frame_df) to '{truth / name}.parquet' (format parquet)")
            con.unregister("frame_df")
    (truth / "_manifest.json").write_text(json.dumps({"as_of": as_of.isoformat()}))
    return warehouse, truth


def standard_world(root: Path, score_of=lambda i, latent: 100 * latent,
                   phase_of=lambda i: "onboarding" if i < 10 else "established") -> tuple[Path, Path]:
    """The module's world; score_of(i, latent) gives customer i's weekly score, phase_of(i) its phase."""
    n = 20
    latent = [(i + 0.5) / n for i in range(n)]
    weekly = []
    for i in range(n):
        for sunday in SUNDAYS:
            if i in CHURNERS and sunday >= CHURN_DATE:
                break
            score = float(score_of(i, latent[i]))
            weekly.append({"customer_id": f"cust_{i:02d}", "week_end_date": sunday, "health_score": score,
                           "health_band": band(score), "segment": "smb" if i % 2 else "enterprise",
                           "lifecycle_phase": phase_of(i),
                           "scorecard_id": "default", "scorecard_version": 1})
    customers = pd.DataFrame({"customer_id": [f"cust_{i:02d}" for i in range(n)],
                              "crm_account_id": [f"acc_{i}" for i in range(n)],
                              "billing_customer_id": [f"cus_{i}" for i in range(n)]})
    identity = pd.DataFrame({"system": "crm", "source_table": "accounts", "source_id": [f"acc_{i}" for i in range(n)],
                             "customer_key": [f"C{i:07d}" for i in range(n)], "entity_kind": "customer"})
    months = [date(2025, m, 1) for m in range(1, 13)]
    health = pd.DataFrame([{"customer_key": f"C{i:07d}", "month_start": m, "latent_health": latent[i]}
                           for i in range(n) for m in months])
    health["latent_health"] = health["latent_health"].astype("float32")
    churns = pd.DataFrame({"customer_key": [f"C{i:07d}" for i in sorted(CHURNERS)], "churn_date": CHURN_DATE,
                           "churn_kind": "voluntary"})
    return write_world(root, pd.DataFrame(weekly), customers, identity, health, churns)


def run_cli(capsys, warehouse: Path, truth: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["evaluate-health", "--warehouse", str(warehouse), "--truth", str(truth), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_auc_with_ties_is_the_hand_computed_mann_whitney_value():
    # positives at risk 2 and 3, negatives at 1, 2, 3: pairs won 1 + 0.5 + 0 + 1 + 1 + 0.5 = 4 of 6
    assert auc(np.array([1, 2, 2, 3, 3]), np.array([False, True, False, True, False])) == pytest.approx(4 / 6)
    assert auc(np.array([1.0, 1.0, 1.0]), np.array([True, False, False])) == pytest.approx(0.5)
    assert auc(np.array([1, 2]), np.array([False, False])) is None  # no churners: undefined, no crash
    assert auc(np.array([1, 2]), np.array([True, True])) is None  # every row churned


def test_rank_correlation_with_ties_is_the_hand_computed_value():
    # ranks of y with a tie: 1, 2, 3.5, 5, 3.5; rho = 8 / sqrt(10 * 9.5)
    assert spearman(np.array([1, 2, 3, 4, 5]), np.array([5, 6, 7, 8, 7])) == pytest.approx(8 / np.sqrt(95))
    assert spearman(np.array([3, 1, 2]), np.array([30, 10, 20])) == pytest.approx(1.0)
    assert spearman(np.array([1, 2]), np.array([4, 4])) is None


def test_a_score_equal_to_latent_health_passes(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path)
    result = evaluate(warehouse, truth)
    graded = result.overall(180)
    assert (graded.rows, graded.churners) == (20 * 26, 6 * 26)
    assert (graded.customers, graded.churned_customers) == (20, 6)
    assert graded.latent_auc == pytest.approx(74 / 84)
    assert graded.score_auc == pytest.approx(graded.latent_auc)
    assert graded.auc_ratio == pytest.approx(1.0)
    assert result.correlations[0].spearman == pytest.approx(1.0)
    # red: customers 0-6 (5 churners of 7); green: 12-19 (1 of 8); all: 6 of 20
    assert result.bands.red_lift == pytest.approx((5 / 7) / (6 / 20))
    assert result.bands.red_to_green == pytest.approx((5 / 7) / (1 / 8))
    assert result.passed, [t.message for t in result.targets if not t.ok]
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 0, err
    assert err == ""
    assert "segment=smb" in out and "lifecycle_phase=onboarding" in out and "scorecard_version=default v1" in out


def test_trial_weeks_count_in_the_rank_correlation_but_not_in_the_churn_figures(tmp_path):
    # customers 5 and 6 (red, stayers) are trials: they cannot churn, so they leave the churn rows
    warehouse, truth = standard_world(tmp_path, phase_of=lambda i: "trial" if i in (5, 6) else "established")
    result = evaluate(warehouse, truth)
    assert result.trial_rows == 2 * 52  # every Sunday of the year is a trial week for both
    assert result.correlations[0].rows == result.graded_rows
    graded = result.overall(180)
    assert (graded.rows, graded.customers, graded.churners) == (18 * 26, 18, 6 * 26)
    # red: customers 0-4, all churners (5 of 5); all: 6 of 18
    assert result.bands.red_lift == pytest.approx((5 / 5) / (6 / 18))
    assert not any(c.value == "trial" for c in result.churn)


def test_a_score_that_beats_latent_health_by_more_than_the_margin_is_leakage(tmp_path, capsys):
    # the score knows customer 15 will churn: AUC 1.0 against the latent health's 74 / 84
    warehouse, truth = standard_world(tmp_path, lambda i, latent: 5.0 if i == 15 else 100 * latent)
    code, out, err = run_cli(capsys, warehouse, truth, "--json")
    assert code == 1
    figures = json.loads(out)
    graded = next(c for c in figures["churn"] if c["horizon_days"] == 180 and c["slice"] == "all")
    assert graded["score_auc"] == pytest.approx(1.0)
    assert graded["auc_excess"] == pytest.approx(1 - 74 / 84)
    assert graded["auc_ratio"] > 1  # the ratio target alone would call it a success
    failed = [t["name"] for t in figures["targets"] if not t["ok"]]
    assert "180-day churn AUC above latent health AUC (leakage)" in failed
    assert "leaked" in err and "below target" in err
    # and with a margin wide enough, the same score passes
    assert evaluate(warehouse, truth, Thresholds(max_auc_excess=0.2)).passed


def test_a_weak_score_fails_and_says_by_how_much(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path, lambda i, latent: 50.0)  # no information, one band
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 1
    assert "180-day churn AUC / latent health AUC: 0.5676 (min 0.97), 0.4024 short" in err
    assert "red band 180-day churn lift: cannot be graded (no red rows" in err


def test_no_churners_says_the_auc_is_undefined(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path)
    with duckdb.connect() as con:
        con.execute(f"copy (select 'C9999999' as customer_key, date '2027-01-01' as churn_date) "
                    f"to '{truth / 'churn_events.parquet'}' (format parquet)")
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 1
    assert "undefined: no churners" in out
    assert "cannot be graded" in err


def test_no_green_churners_makes_the_red_to_green_ratio_unbounded_and_met(tmp_path):
    # customer 15 (the one green churner) scored yellow: green rows never churn
    warehouse, truth = standard_world(tmp_path, lambda i, latent: 50.0 if i == 15 else 100 * latent)
    result = evaluate(warehouse, truth, Thresholds(max_auc_excess=1.0))
    assert result.bands.green_churners == 0 and result.bands.red_to_green is None
    ratio = next(t for t in result.targets if t.name.startswith("red-to-green"))
    assert ratio.ok and "unbounded" in ratio.message
    assert result.passed


@pytest.mark.parametrize("missing", ["churn_events.parquet", "health_monthly.parquet", "identity_map.parquet",
                                     "_manifest.json"])
def test_a_missing_truth_file_is_one_line_naming_it(tmp_path, capsys, missing):
    warehouse, truth = standard_world(tmp_path)
    (truth / missing).unlink()
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("csops evaluate-health: error: ") and str(truth / missing) in err


def test_a_missing_table_or_warehouse_is_one_line_naming_it(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.dim_customers")
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "marts.dim_customers is not in the warehouse" in err
    code, _, err = run_cli(capsys, tmp_path / "nope.duckdb", truth)
    assert code == 2 and f"no warehouse at {tmp_path / 'nope.duckdb'}" in err
    with pytest.raises(HealthEvalError, match="marts.dim_customers"):
        evaluate(warehouse, truth)


def test_customers_join_truth_through_the_identity_map(tmp_path):
    """crm account first, billing customer when the crm link is missing; latent health of the month
    that contains week_end_date (Sunday 2025-03-02 is in March, its week mostly in February)."""
    customers = pd.DataFrame({
        "customer_id": ["w_a", "w_b", "w_c"],
        "crm_account_id": ["acc_a", "acc_unknown", None],
        "billing_customer_id": ["cus_a", "cus_b", "cus_c"],
    })
    identity = pd.DataFrame({
        "system": ["crm", "billing", "billing", "crm"],
        "source_table": ["accounts", "customers", "customers", "accounts"],
        "source_id": ["acc_a", "cus_a", "cus_b", "acc_c_prospect"],
        "customer_key": ["K_A", "K_WRONG", "K_B", None],
        "entity_kind": ["customer", "customer", "customer", "prospect"],
    })
    health = pd.DataFrame({
        "customer_key": ["K_A", "K_A", "K_B", "K_B", "K_WRONG", "K_WRONG"],
        "month_start": [date(2025, 2, 1), date(2025, 3, 1)] * 3,
        "latent_health": [0.9, 0.1, 0.8, 0.2, 0.5, 0.5],
    })
    weeks = [date(2025, 2, 23), date(2025, 3, 2)]
    scores = {("w_a", weeks[0]): 90, ("w_a", weeks[1]): 10, ("w_b", weeks[0]): 80, ("w_b", weeks[1]): 20,
              ("w_c", weeks[0]): 60, ("w_c", weeks[1]): 40}
    weekly = pd.DataFrame([{"customer_id": c, "week_end_date": d, "health_score": float(s), "health_band": band(s),
                            "segment": "smb", "lifecycle_phase": "established", "scorecard_id": "default",
                            "scorecard_version": 1} for (c, d), s in scores.items()]
                          + [{"customer_id": "w_a", "week_end_date": date(2025, 3, 9), "health_score": None,
                              "health_band": "insufficient_data", "segment": "smb", "lifecycle_phase": "established",
                              "scorecard_id": "default", "scorecard_version": 1}])
    churns = pd.DataFrame({"customer_key": ["K_B"], "churn_date": [date(2025, 4, 1)], "churn_kind": ["voluntary"]})
    warehouse, truth = write_world(tmp_path, weekly, customers, identity, health, churns)
    result = evaluate(warehouse, truth)
    assert result.weekly_rows == 7 and result.scored_rows == 6
    assert result.unmapped_rows == 2  # w_c: no crm link, its billing customer unknown to truth
    assert result.graded_rows == 4
    assert result.correlations[0].spearman == pytest.approx(1.0)  # K_B via billing, March latent for 03-02
    ninety = result.overall(90)
    assert (ninety.rows, ninety.churners) == (4, 2)  # w_b's weeks: churn 2025-04-01 within 90 days
