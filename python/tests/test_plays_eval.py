"""csops evaluate-plays: the verdicts, the truth matched to the measured assignments, the targets, and the
CLI on a small synthetic warehouse and truth folder written into tmp_path.

The world: play save (true churn effect -0.05 on every assignment, health +0.1) and play renewal (no
effect at all), in segment smb. Four save assignments were measured for churn_90d (s1-s4), one (s5)
was not (its window is open), so the matched truth is the mean over s1-s4 only.

Each report row has two intervals: the 95% one (coverage of the truth is graded on it) and the
simultaneous one (Bonferroni over the play and segment's metrics), which the report's finding reads:
claims - detected, false_claim - are judged on that one.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from csops.cli import main
from csops.plays_eval import (
    PlayCheck,
    PlaysEvalError,
    Thresholds,
    evaluate,
    generator_truth,
    grade,
    matched_truth,
)

pytestmark = pytest.mark.unit

REPORT_COLUMNS = ["play_name", "segment", "metric", "measurement_status", "unmeasurable_reason", "finding",
                  "treated_outcomes", "holdout_outcomes", "customers", "treated_value", "holdout_value", "effect",
                  "effect_ci95_low", "effect_ci95_high", "effect_simultaneous_low", "effect_simultaneous_high",
                  "as_of_date"]


def check(estimate, low, high, truth, metric="churn_90d", status="measured", sim=None) -> PlayCheck:
    """A row whose simultaneous interval is sim (low, high), else the same as its 95% interval."""
    sim_low, sim_high = sim if sim is not None else (low, high)
    return PlayCheck(play_name="p", segment="all", metric=metric, status=status, reason=None, treated=50,
                     holdout=20, customers=70, estimate=estimate, ci_low=low, ci_high=high, finding=None,
                     sim_low=sim_low, sim_high=sim_high, truth=truth, truth_assignments=70, generator_truth=truth,
                     same_unit=metric.startswith("churn"))


def test_verdicts_say_whether_the_interval_claims_what_the_truth_has():
    assert check(-0.06, -0.10, -0.01, -0.04).verdict == "detected"
    assert check(-0.03, -0.08, 0.02, -0.04).verdict == "right_direction"
    assert check(0.01, -0.05, 0.06, -0.04).verdict == "wrong_direction"
    assert check(0.01, -0.05, 0.06, 0.0).verdict == "no_claim"  # a play that does nothing, not credited
    assert check(-0.06, -0.10, -0.01, 0.0).verdict == "false_claim"  # ... credited: the renewal trap
    assert check(0.06, 0.01, 0.10, -0.04).verdict == "false_claim"  # an effect claimed the wrong way round
    assert check(None, None, None, -0.04, status="unmeasurable").verdict is None


def test_claims_are_judged_on_the_simultaneous_interval_coverage_on_the_95_percent_one():
    # a play that does nothing whose 95% interval excludes 0 but whose simultaneous one does not: the
    # report's finding is no_clear_effect, so nothing was claimed - no false claim
    lucky = check(-0.06, -0.11, -0.01, 0.0, sim=(-0.13, 0.01))
    assert lucky.claims_at_95 and lucky.claims == 0 and lucky.verdict == "no_claim"
    # ... and one whose simultaneous interval excludes 0 too: the finding credits it - a false claim
    credited = check(-0.06, -0.11, -0.01, 0.0, sim=(-0.12, -0.005))
    assert credited.claims == -1 and credited.verdict == "false_claim"
    # a real effect seen at 95% only is not detected: the direction is right, nothing is claimed
    assert check(-0.05, -0.09, -0.01, -0.04, sim=(-0.10, 0.01)).verdict == "right_direction"
    # coverage reads the 95% interval, whatever the simultaneous one holds
    missed = check(-0.06, -0.10, -0.05, -0.04, sim=(-0.11, -0.03))
    assert missed.covered is False and missed.verdict == "detected"
    assert check(None, -0.1, 0.1, 0.0, status="unmeasurable", sim=(None, None)).claims is None


def test_coverage_and_error_only_where_the_truth_is_in_the_metrics_unit():
    c = check(-0.06, -0.10, -0.01, -0.04)
    assert c.covered is True and c.error == pytest.approx(-0.02)
    assert check(-0.06, -0.10, -0.05, -0.04).covered is False
    health = check(3.2, 0.5, 5.9, 0.11, metric="health_change_30d")
    assert health.covered is None and health.error is None  # score points against latent health
    assert health.direction_right is True and health.verdict == "detected"
    assert check(-1.0, -3.0, 1.0, 0.11, metric="health_change_30d").direction_right is False
    assert check(-1.0, -3.0, 1.0, 0.0).direction_right is None


def test_matched_truth_averages_the_assignments_each_row_measured():
    follow_up = pd.DataFrame({
        "play_assignment_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "play_name": ["save"] * 6,
        "segment": ["smb", "smb", "smb", "enterprise", "smb", None],
        "has_churned_90d": [True, False, False, True, None, False],
        "has_churned_180d": [True, None, None, None, None, None],
        "health_change_30d": [1.0, 2.0, None, None, None, None],
        "health_change_90d": [None] * 6,
    })
    truth = pd.DataFrame({
        "assignment_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "churn_effect_90d": [-0.1, -0.2, -0.3, -0.4, -0.9, -0.5],
        "churn_effect_180d": [-0.2] * 6,
        "health_effect_next_month": [0.1, 0.3, 0.0, 0.0, 0.0, 0.0],
    })
    m = matched_truth(follow_up, truth).set_index(["segment", "metric"])
    assert m.loc[("smb", "churn_90d"), "truth_effect"] == pytest.approx(-0.2)  # s1-s3; s5's window is open
    assert m.loc[("smb", "churn_90d"), "truth_assignments"] == 3
    assert m.loc[("unknown", "churn_90d"), "truth_effect"] == pytest.approx(-0.5)  # no segment known
    assert m.loc[("all", "churn_90d"), "truth_effect"] == pytest.approx(-1.5 / 5)  # s1-s4 and s6
    assert m.loc[("all", "churn_180d"), "truth_assignments"] == 1
    assert m.loc[("all", "health_change_30d"), "truth_effect"] == pytest.approx(0.2)
    assert ("all", "health_change_90d") not in m.index  # nothing measured


def test_generator_truth_weights_segments_by_assignments():
    effects = pd.DataFrame({"play_name": ["save", "save"], "segment": ["smb", "enterprise"], "assignments": [30, 10],
                            "churn_effect_90d": [-0.04, -0.08], "churn_effect_180d": [-0.05, -0.05],
                            "health_effect_next_month": [0.1, 0.2]})
    g = generator_truth(effects).set_index(["segment", "metric"])
    assert g.loc[("all", "churn_90d"), "generator_effect"] == pytest.approx(-0.05)  # (30 x -0.04 + 10 x -0.08) / 40
    assert g.loc[("enterprise", "churn_90d"), "generator_effect"] == pytest.approx(-0.08)


def report_row(play, segment, metric, effect, low, high, status="measured", reason=None, sim=None):
    """A report row; its simultaneous interval is sim (low, high), else the 95% interval widened by a third."""
    if sim is None:
        sim = (None, None) if low is None else (low - (high - low) / 6, high + (high - low) / 6)
    return {"play_name": play, "segment": segment, "metric": metric, "measurement_status": status,
            "unmeasurable_reason": reason, "finding": None, "treated_outcomes": 40, "holdout_outcomes": 10,
            "customers": 50, "treated_value": None, "holdout_value": None, "effect": effect, "effect_ci95_low": low,
            "effect_ci95_high": high, "effect_simultaneous_low": sim[0], "effect_simultaneous_high": sim[1],
            "as_of_date": "2026-11-01"}


def truth_frame(rows):
    return pd.DataFrame(rows, columns=["play_name", "segment", "metric", "truth_effect", "truth_assignments"])


def test_a_play_that_does_nothing_credited_on_the_all_segments_row_fails():
    report = pd.DataFrame([
        report_row("renewal", "all", "churn_90d", -0.06, -0.11, -0.01, sim=(-0.12, -0.005)),  # claims it works
        report_row("renewal", "smb", "churn_90d", -0.06, -0.11, -0.01, sim=(-0.12, -0.005)),
        report_row("save", "all", "churn_90d", -0.03, -0.08, 0.02),
        report_row("save", "enterprise", "churn_90d", None, None, None, "unmeasurable", "too_few_holdout"),
        report_row("save", "all", "expansion_180d", 0.01, -0.02, 0.04),  # no truth: not graded
    ])
    matched = truth_frame([("renewal", "all", "churn_90d", 0.0, 50), ("renewal", "smb", "churn_90d", 0.0, 50),
                           ("save", "all", "churn_90d", -0.04, 50)])
    generator = pd.DataFrame(columns=["play_name", "segment", "metric", "generator_effect"])
    result = grade(report, matched, generator, Thresholds(min_coverage=0.3))
    assert [c.metric for c in result.checks].count("expansion_180d") == 0
    assert [(c.play_name, c.segment) for c in result.checks] == [
        ("renewal", "all"), ("renewal", "smb"), ("save", "all"), ("save", "enterprise")]
    false_claims = result.targets[0]
    assert not false_claims.ok and false_claims.value == 1  # the smb row is counted, not a target
    assert "renewal churn_90d -0.0600 simultaneous [-0.1200, -0.0050]" in false_claims.message
    coverage = result.targets[1]
    assert coverage.value == pytest.approx(1 / 3) and coverage.ok  # save holds -0.04, renewal's miss 0
    assert not grade(report, matched, generator, Thresholds(min_coverage=0.8)).targets[1].ok
    # the same 95% intervals with simultaneous ones that span 0 (the finding says no_clear_effect): no claim
    renewal = report["play_name"] == "renewal"
    report.loc[renewal, ["effect_simultaneous_low", "effect_simultaneous_high"]] = [-0.13, 0.01]
    family = grade(report, matched, generator, Thresholds(min_coverage=0.3))
    assert family.targets[0].ok and family.targets[0].value == 0
    assert family.targets[1].value == pytest.approx(1 / 3)  # coverage still read from the 95% intervals
    # the same report with the renewal rows honest passes
    report.loc[renewal, ["effect", "effect_ci95_low", "effect_ci95_high", "effect_simultaneous_low",
                         "effect_simultaneous_high"]] = [0.01, -0.04, 0.06, -0.05, 0.07]
    assert grade(report, matched, generator, Thresholds(min_coverage=0.8)).passed


def write_world(root: Path, report: pd.DataFrame, follow_up: pd.DataFrame, truth_assignments: pd.DataFrame,
                effects: pd.DataFrame) -> tuple[Path, Path]:
    warehouse, truth = root / "w.duckdb", root / "truth"
    truth.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.register("report_df", report)
        con.register("follow_up_df", follow_up)
        con.execute("create table marts.rpt_play_effectiveness as "
                    "select * replace (cast(as_of_date as date) as as_of_date) from report_df")
        con.execute("create table intermediate.int_play_assignments_followed_up as select * from follow_up_df")
    truth_assignments.to_parquet(truth / "play_assignments.parquet")
    effects.to_parquet(truth / "play_effects.parquet")
    return warehouse, truth


def standard_world(root: Path, renewal_effect: float = 0.01) -> tuple[Path, Path]:
    ids = [f"s{i}" for i in range(1, 6)] + [f"r{i}" for i in range(1, 4)]
    follow_up = pd.DataFrame({
        "play_assignment_id": ids,
        "play_name": ["save"] * 5 + ["renewal"] * 3,
        "segment": ["smb"] * 8,
        "has_churned_90d": [True, False, False, True, None, False, False, True],
        "has_churned_180d": [None] * 8,
        "health_change_30d": [2.0, 1.0, 3.0, -1.0, None, 0.0, 1.0, -1.0],
        "health_change_90d": [None] * 8,
    })
    truth_assignments = pd.DataFrame({
        "assignment_id": ids, "play_name": ["save"] * 5 + ["renewal"] * 3, "segment": ["smb"] * 8,
        "churn_effect_90d": [-0.04, -0.06, -0.05, -0.05, -0.5, 0.0, 0.0, 0.0],
        "churn_effect_180d": [-0.06] * 5 + [0.0] * 3,
        "health_effect_next_month": [0.1] * 5 + [0.0] * 3,
    })
    effects = pd.DataFrame({"play_name": ["save", "renewal"], "segment": ["smb", "smb"], "assignments": [5, 3],
                            "churn_effect_90d": [-0.14, 0.0], "churn_effect_180d": [-0.06, 0.0],
                            "health_effect_next_month": [0.1, 0.0]})
    rows = []
    for segment in ("all", "smb"):
        rows += [report_row("save", segment, "churn_90d", -0.07, -0.12, 0.01),
                 report_row("save", segment, "health_change_30d", 2.5, 0.4, 4.6, sim=(0.1, 4.9)),
                 report_row("renewal", segment, "churn_90d", renewal_effect, renewal_effect - 0.05,
                            renewal_effect + 0.05, sim=(renewal_effect - 0.07, renewal_effect + 0.07))]
    return write_world(root, pd.DataFrame(rows, columns=REPORT_COLUMNS), follow_up, truth_assignments, effects)


def run_cli(capsys, warehouse: Path, truth: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["evaluate-plays", "--warehouse", str(warehouse), "--truth", str(truth), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_honest_report_passes_and_is_graded_against_the_measured_assignments(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path)
    result = evaluate(warehouse, truth)
    save = next(c for c in result.checks if (c.play_name, c.segment, c.metric) == ("save", "all", "churn_90d"))
    assert save.truth == pytest.approx(-0.05)  # s1-s4; s5 (-0.5) has no outcome yet
    assert save.generator_truth == pytest.approx(-0.14)
    assert save.covered and save.error == pytest.approx(-0.02) and save.verdict == "right_direction"
    health = next(c for c in result.checks if c.metric == "health_change_30d" and c.segment == "all")
    assert health.verdict == "detected"
    assert result.passed, [t.message for t in result.targets]
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 0 and err == ""
    assert "no_claim" in out and "detected" in out
    code, out, _ = run_cli(capsys, warehouse, truth, "--json")
    assert json.loads(out)["passed"] is True


def test_crediting_the_renewal_play_exits_1_and_says_why(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path, renewal_effect=-0.08)  # simultaneous (-0.15, -0.01): "works"
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 1
    assert "false_claim" in out
    assert "below target: no false claim on an all-segments row: 1 of" in err and "renewal churn_90d" in err


def test_a_renewal_play_lucky_at_95_percent_only_is_no_claim_and_exits_0(tmp_path, capsys):
    # 95% interval (-0.11, -0.01) excludes 0, the simultaneous one (-0.13, +0.01) does not
    warehouse, truth = standard_world(tmp_path, renewal_effect=-0.06)
    result = evaluate(warehouse, truth)
    renewal = next(c for c in result.checks if (c.play_name, c.segment) == ("renewal", "all"))
    assert renewal.claims_at_95 and renewal.verdict == "no_claim"
    assert result.targets[0].ok and result.targets[0].value == 0
    assert result.targets[1].value == pytest.approx(0.5)  # its 95% intervals miss the truth 0: coverage sees it
    code, out, err = run_cli(capsys, warehouse, truth, "--min-coverage", "0.5")
    assert code == 0 and err == "" and "false_claim" not in out
    assert "[-0.1100, -0.0100]*" in out  # marked: the 95% interval alone would have claimed it
    assert "95% interval alone excludes 0 but whose simultaneous interval does not (no claim): 2" in out


@pytest.mark.parametrize("missing", ["play_assignments.parquet", "play_effects.parquet"])
def test_a_missing_truth_file_is_one_line_naming_it(tmp_path, capsys, missing):
    warehouse, truth = standard_world(tmp_path)
    (truth / missing).unlink()
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("csops evaluate-plays: error: ") and str(truth / missing) in err


def test_a_missing_report_or_warehouse_is_one_line_naming_it(tmp_path, capsys):
    warehouse, truth = standard_world(tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.rpt_play_effectiveness")
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "rpt_play_effectiveness is not in the warehouse" in err and "enable_cs_platform" in err
    code, _, err = run_cli(capsys, tmp_path / "nope.duckdb", truth)
    assert code == 2 and f"no warehouse at {tmp_path / 'nope.duckdb'}" in err
    with pytest.raises(PlaysEvalError, match="rpt_play_effectiveness"):
        evaluate(warehouse, truth)
