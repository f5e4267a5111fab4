"""csops evaluate-churn on a small synthetic warehouse and truth folder written into tmp_path, and the
truth loading on real generated (tiny) truth files.

The world: 60 true customers, month ends 2025-01-31 .. 2025-06-30, as-of 2026-01-01 (every 90-day
window closed). Customers 0-5 churn on 2025-05-15, so their rows end at April: January's label is 0
(May 1 is the window's last day), February to April's 1 - 18 churned rows; their true probability is
0.3 in January, then 0.6, 0.7, 0.8. Customers 6-9 stay although at risk (0.65 every month); 10-59
stay at 0.01 + 0.001 i. The oracle's AUC is hand computed: every churned row outranks every stayer
but the 24 at 0.65, which outrank the 6 churned rows at 0.6: 1 - 6 * 24 / (18 * 330).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from csops.churn_eval import (
    ChurnEvalError,
    Thresholds,
    brier_skill,
    evaluate,
    top_share_lift,
    write_oracle_backtest,
)
from csops.cli import main

pytestmark = pytest.mark.unit

AS_OF = date(2026, 1, 1)
MONTH_ENDS = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, 7)]
CHURN_DATE = date(2025, 5, 15)
CHURNERS = range(6)
CHURN_P = {date(2025, 1, 31): 0.3, date(2025, 2, 28): 0.6, date(2025, 3, 31): 0.7, date(2025, 4, 30): 0.8}
ORACLE_AUC = 1 - 6 * 24 / (18 * 330)


def key(i: int) -> str:
    return f"C{i:07d}"


def truth_rows() -> list[dict]:
    """The truth's churn outlook of the 60 customers, and of 60-61 who asked to cancel in April."""
    rows = []
    for i in range(60):
        for month_end in MONTH_ENDS:
            if i in CHURNERS and month_end > CHURN_DATE:
                break
            p = CHURN_P[month_end] if i in CHURNERS else 0.65 if i < 10 else 0.01 + 0.001 * i
            rows.append({"customer_key": key(i), "month_end": month_end, "billing_interval": "month",
                         "term_end": month_end + timedelta(days=1), "cancel_pending": False,
                         "churn_probability_90d": p})
    for i in (60, 61):
        rows.append({"customer_key": key(i), "month_end": date(2025, 4, 30), "billing_interval": "month",
                     "term_end": date(2025, 5, 31), "cancel_pending": True, "churn_probability_90d": 1.0})
    return rows


def label(customer: int, month_end: date) -> int:
    churn = CHURN_DATE if customer in CHURNERS else date(2025, 5, 31) if customer >= 60 else None
    return int(churn is not None and month_end < churn <= month_end + timedelta(days=90))


def scores(model: str, probability, selected: bool) -> list[dict]:
    """One model's backtest rows: every truth row (probability(row) gives its churn_probability), and
    the rows a grader must count without grading: a ghost customer the truth does not know (3 rows),
    customer 10 in July (no truth row), the as-of row and a month end whose window is open."""
    rows = []
    for t in truth_rows():
        i, month_end = int(t["customer_key"][1:]), t["month_end"]
        rows.append({"customer_id": f"w_{i}", "observation_date": month_end, "churn_probability": probability(t),
                     "churned_in_window": label(i, month_end), "is_cancel_pending": t["cancel_pending"],
                     "health_score": 20.0 if i in (0, 1, 2) else 50.0})
    rows += [{"customer_id": "w_ghost", "observation_date": m, "churn_probability": 0.5, "churned_in_window": 0,
              "is_cancel_pending": False, "health_score": 50.0} for m in MONTH_ENDS[:3]]
    rows.append({"customer_id": "w_10", "observation_date": date(2025, 7, 31), "churn_probability": 0.01,
                 "churned_in_window": 0, "is_cancel_pending": False, "health_score": 50.0})
    rows.append({"customer_id": "w_10", "observation_date": date(2025, 12, 15), "churn_probability": 0.01,
                 "churned_in_window": None, "is_cancel_pending": False, "health_score": 50.0})
    rows.append({"customer_id": "w_10", "observation_date": date(2025, 11, 30), "churn_probability": 0.01,
                 "churned_in_window": None, "is_cancel_pending": False, "health_score": 50.0})
    for r in rows:
        r.update(model_name=model, is_selected_model=selected, mrr_amount=100.0, prediction_method="model",
                 fold="1" if r["observation_date"] < date(2025, 4, 1) else "2",
                 plan_group="term" if r["customer_id"] in ("w_1", "w_7", "w_20", "w_21") else "monthly")
    return rows


def oracle(t: dict) -> float:
    return t["churn_probability_90d"]


def coin(seed: int = 1):
    rng = np.random.default_rng(seed)
    return lambda t: float(rng.random())


def write_world(root: Path, backtest: list[dict], forecast: pd.DataFrame | None = None,
                truth: list[dict] | None = None) -> tuple[Path, Path]:
    warehouse, truth_dir = root / "w.duckdb", root / "truth"
    truth_dir.mkdir()
    customers = pd.DataFrame({"customer_id": [f"w_{i}" for i in range(62)] + ["w_ghost"],
                              "crm_account_id": [f"acc_{i}" for i in range(62)] + ["acc_ghost"],
                              "billing_customer_id": [f"cus_{i}" for i in range(62)] + [None]})
    identity = pd.DataFrame({"system": "crm", "source_table": "accounts",
                             "source_id": [f"acc_{i}" for i in range(62)], "customer_key": [key(i) for i in range(62)],
                             "entity_kind": "customer"})
    churns = pd.DataFrame({"customer_key": [key(i) for i in [*CHURNERS, 60, 61]],
                           "churn_date": [CHURN_DATE] * 6 + [date(2025, 5, 31)] * 2, "churn_kind": "voluntary"})
    columns = ["customer_id", "observation_date", "model_name", "fold", "churn_probability", "churned_in_window",
               "is_cancel_pending", "plan_group", "mrr_amount", "health_score", "prediction_method",
               "is_selected_model"]
    frame = pd.DataFrame(backtest)[columns].astype({"churned_in_window": "Int64"})
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.register("scores_df", frame)
        con.execute("create table marts.ml_churn_backtest_scores as "
                    "select * replace (cast(observation_date as date) as observation_date) from scores_df")
        con.register("customers_df", customers)
        con.execute("create table marts.dim_customers as select * from customers_df")
        if forecast is not None:
            con.register("forecast_df", forecast)
            con.execute("create table marts.rpt_revenue_forecast_backtest as select * from forecast_df")
        for name, rows in (("identity_map", identity), ("churn_events", churns),
                           ("churn_outlook_monthly", pd.DataFrame(truth or truth_rows()))):
            con.register("frame_df", rows)
            con.execute(f"copy (select * from frame_df) to '{truth_dir / name}.parquet' (format parquet)")
            con.unregister("frame_df")
    (truth_dir / "_manifest.json").write_text(json.dumps({"as_of": AS_OF.isoformat()}))
    return warehouse, truth_dir


def run_cli(capsys, warehouse: Path, truth: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["evaluate-churn", "--warehouse", str(warehouse), "--truth", str(truth), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_top_decile_lift_and_brier_skill_are_the_hand_computed_values():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0] * 2, dtype=bool)  # 2 churners in 20 rows
    perfect = y.astype(float)
    assert top_share_lift(perfect, y) == pytest.approx(10.0)  # the top 2 rows are the 2 churners
    assert top_share_lift(np.full(20, 0.3), y) == pytest.approx(1.0)  # all tied: the base rate
    # one churner at the top, the other tied with 9 stayers at 0.5 for the second place: 1 + 1/10 of 2
    risk = np.array([0.9] + [0.1] * 9 + [0.5] * 10)
    assert top_share_lift(risk, y) == pytest.approx(((1 + 0.1) / 2) / 0.1)
    assert top_share_lift(risk, np.zeros(20, dtype=bool)) is None
    assert brier_skill(perfect, y) == pytest.approx(1.0)
    assert brier_skill(np.full(20, 0.1), y) == pytest.approx(0.0)  # the base rate itself
    # always 0.5: Brier 0.25 against 0.1 * 0.9
    assert brier_skill(np.full(20, 0.5), y) == pytest.approx(1 - 0.25 / 0.09)
    assert brier_skill(np.full(3, 0.5), np.zeros(3, dtype=bool)) is None


def test_a_model_equal_to_the_oracle_gets_ratio_one_and_passes(tmp_path, capsys):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True) + scores("coin", coin(), False))
    result = evaluate(warehouse, truth)
    assert result.selected_model == "oracle_copy"
    best = result.overall("oracle_copy")
    assert (best.rows, best.churners, best.customers) == (348, 18, 60)
    assert best.oracle_auc == pytest.approx(ORACLE_AUC)
    assert best.model_auc == pytest.approx(ORACLE_AUC) and best.auc_ratio == pytest.approx(1.0)
    # top decile: 34.8 rows = the 12 churned rows at 0.7-0.8 and 22.8 of the 24 stayers at 0.65
    assert best.model_lift == pytest.approx((12 / 34.8) / (18 / 348))
    assert best.model_brier_skill == pytest.approx(best.oracle_brier_skill) and best.model_brier_skill > 0.1
    assert best.truth_churners == 18 and best.truth_known == 348  # the truth's churn events agree with the label
    assert best.health_auc < best.model_auc
    assert result.passed, [t.message for t in result.targets if not t.ok]
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 0, err
    assert err == ""
    assert "oracle_copy (selected)" in out and "plan_group=term" in out and "fold=2" in out
    assert "not graded: table missing" in out  # no revenue forecast backtest in this warehouse


def test_a_random_model_fails_and_says_why(tmp_path, capsys):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, False) + scores("coin", coin(), True))
    result = evaluate(warehouse, truth)
    assert result.selected_model == "coin"
    ratio = next(t for t in result.targets if t.name == "AUC / oracle AUC")
    assert not ratio.ok and ratio.value < 0.8
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 1
    assert "below target: AUC / oracle AUC: " in err and "short" in err
    assert "NOT met" in out
    # a looser bar passes the ratio, never the leakage check or the others by accident
    assert evaluate(warehouse, truth, Thresholds(min_auc_ratio=0.0)).targets[0].ok


def test_cancel_pending_rows_are_reported_apart_from_the_headline(tmp_path):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True))
    result = evaluate(warehouse, truth)
    assert result.rows.cancel_pending == 2 and result.rows.headline == 348
    pending = result.cancel_pending[0]
    assert (pending.rows, pending.churners, pending.churn_rate) == (2, 2, 1.0)
    assert pending.oracle_mean_probability == pytest.approx(1.0)
    assert result.overall("oracle_copy").rows == 348  # the two sure churners are not in the headline
    # the same customers, not flagged pending by the warehouse, land in the headline and are counted
    rows = scores("oracle_copy", oracle, True)
    for r in rows:
        r["is_cancel_pending"] = False
    (tmp_path / "unflagged").mkdir()
    unflagged = evaluate(*write_world(tmp_path / "unflagged", rows))
    assert unflagged.rows.cancel_pending == 0 and unflagged.overall("oracle_copy").rows == 350
    assert unflagged.rows.headline_truth_cancel_pending == 2


def test_rows_that_cannot_be_matched_are_counted_not_dropped(tmp_path, capsys):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True) + scores("coin", coin(), False))
    r = evaluate(warehouse, truth).rows
    per_model = 350 + 3 + 1 + 2  # graded, ghost, July, as-of and open window
    assert r.total == 2 * per_model
    assert (r.not_month_end, r.label_unknown) == (2, 2)
    assert (r.no_true_customer, r.no_truth_row, r.unmatched) == (6, 2, 8)
    assert r.graded == 2 * 350
    assert r.total == r.not_month_end + r.label_unknown + r.no_probability + r.fallback + r.unmatched + r.graded
    code, out, _ = run_cli(capsys, warehouse, truth)
    assert "8 NOT MATCHED to the truth" in out and "6 whose customer the truth does not know" in out


def test_rows_a_fallback_scored_are_counted_and_not_graded(tmp_path, capsys):
    rows = scores("oracle_copy", oracle, True)
    early = [r for r in rows if r["observation_date"] == MONTH_ENDS[0] and r["customer_id"] != "w_ghost"]
    for r in early:  # the first fold had too little history: the base rate, not the model
        r.update(prediction_method="fallback_base_rate", churn_probability=0.05)
    warehouse, truth = write_world(tmp_path, rows)
    r = evaluate(warehouse, truth).rows
    assert r.fallback == len(early) > 0
    assert r.graded == 350 - len(early)
    assert r.total == r.not_month_end + r.label_unknown + r.no_probability + r.fallback + r.unmatched + r.graded
    _code, out, _ = run_cli(capsys, warehouse, truth)
    assert f"{len(early)} scored by a fallback" in out


def test_a_warehouse_label_the_truth_contradicts_is_counted(tmp_path, capsys):
    rows = scores("oracle_copy", oracle, True)
    flipped = next(r for r in rows if r["customer_id"] == "w_30" and r["observation_date"] == MONTH_ENDS[0])
    flipped["churned_in_window"] = 1  # the warehouse says customer 30 churned; the truth has no churn
    warehouse, truth = write_world(tmp_path, rows)
    best = evaluate(warehouse, truth).overall("oracle_copy")
    assert (best.churners, best.truth_churners, best.label_disagreements) == (19, 18, 1)
    assert "label differs from the truth's churn on 1 rows" in best.note
    code, out, _ = run_cli(capsys, warehouse, truth)
    assert "label differs from the truth's churn on 1 rows" in out


def test_json_output_parses_with_every_figure(tmp_path, capsys):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True) + scores("coin", coin(), False))
    code, out, _ = run_cli(capsys, warehouse, truth, "--json")
    assert code == 0
    figures = json.loads(out)
    assert figures["selected_model"] == "oracle_copy" and figures["passed"] is True
    assert figures["rows"]["unmatched"] == 8
    overall = next(m for m in figures["models"] if m["model_name"] == "oracle_copy" and m["slice"] == "all")
    assert overall["auc_ratio"] == pytest.approx(1.0)
    statuses = {t["name"]: t["status"] for t in figures["targets"]}
    assert statuses["AUC / oracle AUC"] == "met"
    assert statuses["revenue forecast beats naive (MAPE) at 3, 6, 12 months"] == "not graded"


def test_a_model_that_beats_the_oracle_has_leaked(tmp_path, capsys):
    # the model knows the label: AUC 1.0 against the oracle's
    def knows(t: dict) -> float:
        i = int(t["customer_key"][1:])
        return 0.9 if label(i, t["month_end"]) else oracle(t) / 10

    warehouse, truth = write_world(tmp_path, scores("peek", knows, True))
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 1
    assert "AUC above the oracle's (leakage)" in err and "seen the future" in err


def test_the_revenue_forecast_is_graded_against_the_naive_baseline_when_the_table_exists(tmp_path, capsys):
    forecast = pd.DataFrame({
        "method": ["naive", "naive", "naive", "churn_model", "churn_model", "churn_model", "churn_model"],
        "horizon_months": [3, 6, 12, 3, 6, 12, 12],
        "segment": ["all"] * 7,
        "mape": [0.05, 0.08, 0.12, 0.03, 0.06, 0.20, 0.10],  # at 12 months the mean, 0.15, loses
    })
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True), forecast)
    result = evaluate(warehouse, truth)
    graded = {t.name: t.ok for t in result.targets if t.name.startswith("revenue forecast")}
    assert graded == {"revenue forecast beats naive (MAPE) at 3 months": True,
                      "revenue forecast beats naive (MAPE) at 6 months": True,
                      "revenue forecast beats naive (MAPE) at 12 months": False}
    assert result.forecast.method == "churn_model" and result.forecast.baseline == "naive"
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 1 and "at 12 months: churn_model 0.15 vs naive 0.12" in err
    assert "churn_model (graded)" in out and "naive (baseline)" in out


def test_a_forecast_table_it_cannot_read_is_a_missed_target_not_a_pass(tmp_path):
    forecast = pd.DataFrame({"method": ["naive", "churn_model"], "horizon_months": [3, 3], "error": [0.1, 0.2]})
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True), forecast)
    target = next(t for t in evaluate(warehouse, truth).targets if t.name.startswith("revenue forecast"))
    assert not target.ok and target.graded and "has no column mape" in target.message


def test_no_selected_model_is_a_missed_target(tmp_path):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, False))
    result = evaluate(warehouse, truth)
    assert result.selected_model is None and not result.passed
    assert "no month-end row with a known label is marked is_selected_model" in result.targets[0].message


def test_a_missing_table_or_column_is_one_line_naming_it(tmp_path, capsys):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table marts.ml_churn_backtest_scores drop column is_selected_model")
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "marts.ml_churn_backtest_scores has no column is_selected_model" in err
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.ml_churn_backtest_scores")
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("csops evaluate-churn: error: marts.ml_churn_backtest_scores is not in the warehouse")
    with pytest.raises(ChurnEvalError, match="ml_churn_backtest_scores"):
        evaluate(warehouse, truth)


@pytest.mark.parametrize("missing", ["churn_outlook_monthly.parquet", "churn_events.parquet", "identity_map.parquet",
                                     "_manifest.json"])
def test_a_missing_truth_file_is_one_line_naming_it(tmp_path, capsys, missing):
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True))
    (truth / missing).unlink()
    code, out, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("csops evaluate-churn: error: ") and str(truth / missing) in err


def test_a_truth_file_without_the_probability_is_one_line(tmp_path, capsys):
    rows = [{k: v for k, v in r.items() if k != "churn_probability_90d"} for r in truth_rows()]
    warehouse, truth = write_world(tmp_path, scores("oracle_copy", oracle, True), truth=rows)
    code, _, err = run_cli(capsys, warehouse, truth)
    assert code == 2 and "churn_outlook_monthly.parquet has no column churn_probability_90d" in err


def test_real_generated_truth_loads_and_the_oracle_matches_its_own_churn_events(tiny, tmp_path):
    """On the generator's own truth files (tiny, seed 42): a warehouse whose customers are the true
    customers and whose 'model' is the truth's probability, labelled from the truth's churn events,
    grades every labelled month end, matches all of them, and the label agrees with the truth's
    realised churn (the same 90-day window)."""
    truth, warehouse = tiny / "truth", tmp_path / "w.duckdb"
    write_oracle_backtest(truth, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        labelled, unknown, pending = con.execute(
            "select count(*) filter (where churned_in_window is not null), "
            "count(*) filter (where churned_in_window is null), "
            "count(*) filter (where churned_in_window is not null and is_cancel_pending) "
            "from marts.ml_churn_backtest_scores").fetchone()
    result = evaluate(warehouse, truth)
    assert result.rows.graded == labelled > 100 and result.rows.label_unknown == unknown
    assert result.rows.unmatched == 0 and result.rows.cancel_pending == pending
    overall = result.overall("oracle")
    assert overall.churners > 0 and overall.auc_ratio == pytest.approx(1.0)
    assert overall.truth_churners == overall.churners and overall.label_disagreements == 0
    assert overall.truth_known == overall.rows
    assert result.cancel_pending[0].oracle_mean_probability == pytest.approx(1.0)
