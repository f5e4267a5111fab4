"""csops tune-health: the Python scoring against the SQL's rules, the fit, determinism and the error lines."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from csops.cli import main
from csops.errors import CsopsError
from csops.health_tune import (
    MEASURES_FILE,
    REPORT_FILE,
    SCORECARDS_FILE,
    Inputs,
    Measure,
    TuneHealthError,
    check_against_sql,
    check_labels,
    fit_weights,
    load,
    measure_scores,
    round_weights,
    run,
    tune,
    weighted_scores,
    write_outputs,
)

RED_BELOW, GREEN_FROM = 40.0, 70.0
DAY = date(2026, 6, 7)


def _score(values, m: Measure, last=None, day=DAY):
    values = np.asarray(values, dtype=float)
    last = pd.Series([last] * len(values)) if not isinstance(last, list) else pd.Series(last)
    return measure_scores(values, pd.to_datetime(last), pd.Series([day] * len(values)), m, RED_BELOW, GREEN_FROM)


@pytest.mark.unit
def test_thresholds_linear_and_clamped_both_directions():
    higher = Measure("usage_breadth", 12, red_threshold=0.3, green_threshold=0.7)
    score, present = _score([0.3, 0.7, 0.5, 0.1, 1.5, -1.0], higher)
    assert np.allclose(score, [40, 70, 55, 25, 100, 0])
    assert present.all()
    lower = Measure("payment_days_overdue", 4, red_threshold=30, green_threshold=0)
    score, _ = _score([30, 0, 15, 60, 200, -100], lower)
    assert np.allclose(score, [40, 70, 55, 10, 0, 100])


@pytest.mark.unit
def test_missing_rules():
    redistribute = Measure("csat", 5, 0.6, 0.85, when_missing="redistribute")
    fixed = Measure("payment_failure_rate", 4, 1, 0, when_missing="fixed_score", missing_score=70)
    score, present = _score([np.nan, 0.85], redistribute)
    assert np.isnan(score[0]) and score[1] == pytest.approx(70) and list(present) == [False, True]
    score, present = _score([np.nan, 0.5], fixed)
    assert list(score) == pytest.approx([70, 55]) and list(present) == [False, True]


@pytest.mark.unit
def test_stale_input_is_missing_at_the_freshness_limit_plus_one_day():
    nps = Measure("nps", 8, 6, 9, freshness_days=365)
    limit = DAY - timedelta(days=365)
    lasts = [limit, limit - timedelta(days=1), None, DAY]
    score, present = _score([9, 9, 9, 9], nps, last=lasts)
    # on the limit: fresh; a day older: stale (missing, redistributed); no input date: not stale
    assert list(present) == [True, False, True, True]
    assert np.isnan(score[1]) and score[0] == pytest.approx(70)
    fixed = Measure("x", 1, 0, 1, freshness_days=10, when_missing="fixed_score", missing_score=40)
    score, present = _score([1.0], fixed, last=[DAY - timedelta(days=11)])
    assert score[0] == pytest.approx(40) and not present[0]


@pytest.mark.unit
def test_weighted_scores_redistribute_and_min_weight_present():
    scores = np.array([[80.0, np.nan, 70.0], [80.0, np.nan, np.nan], [np.nan, np.nan, 70.0]])
    present = ~np.isnan(scores)
    present[0, 2] = False  # a fixed_score measure: counted, not present
    w = np.array([6.0, 2.0, 2.0])
    result = weighted_scores(scores, present, w, 0.5)
    assert result[0] == pytest.approx((80 * 6 + 70 * 2) / 8)
    assert result[1] == pytest.approx(80)  # the missing weight is spread over what is present
    assert np.isnan(result[2])  # 2 of 10 present < 0.5: no score
    assert weighted_scores(scores, present, w, None)[2] == pytest.approx(70)


@pytest.mark.unit
def test_round_weights_keeps_the_total_and_the_floor():
    w = round_weights(np.array([0.2, 33.6, 33.1, 33.1]), 100)
    assert list(w) == [1, 33, 33, 33]
    w = round_weights(np.array([10.4, 10.3, 9.3]), 30)
    assert list(w) == [11, 10, 9]
    w = round_weights(np.array([12.6, 7.2, 10.2]), 30)
    assert list(w) == [13, 7, 10]


def _synthetic(n_customers: int = 40, weeks: int = 80, seed: int = 0, churn: bool = True):
    """Inputs as `load` returns them: measure a drives churn, b and c are noise."""
    rng = np.random.default_rng(seed)
    start = date(2024, 1, 7)
    rows, values = [], []
    for c in range(n_customers):
        level = rng.uniform(0, 1)
        for k in range(weeks):
            d = start + timedelta(days=7 * k)
            a = float(np.clip(level + rng.normal(0, 0.1), 0, 1))
            churned = bool(churn and rng.uniform() < 0.4 * (1 - a) ** 2)
            rows.append({"customer_id": f"c{c:03d}", "scored_date": pd.Timestamp(d), "segment": "smb",
                         "lifecycle_phase": "established", "churned": churned})
            for name, v in (("a", a), ("b", rng.uniform(0, 1)), ("c", rng.uniform(0, 1))):
                values.append({"customer_id": f"c{c:03d}", "scored_date": pd.Timestamp(d), "measure": name,
                               "measure_value": v, "last_input_date": pd.Timestamp(d)})
    card_columns = ["scorecard_id", "scorecard_version", "status", "effective_from", "effective_to",
                    "applies_to_segments", "applies_to_phases", "min_weight_present", "red_below", "green_from",
                    "description"]
    card = dict(zip(card_columns, ["standard", 1, "published", pd.Timestamp("2000-01-01"), None, "smb",
                                   "established", 0.5, RED_BELOW, GREEN_FROM, "test"], strict=True))
    measure_rows = pd.DataFrame({
        "scorecard_id": "standard", "scorecard_version": 1, "measure": ["a", "b", "c"], "weight": [10.0, 10.0, 10.0],
        "direction": "higher_is_better", "red_threshold": [0.3, 0.3, 0.3], "green_threshold": [0.7, 0.7, 0.7],
        "freshness_days": [None, None, 30.0], "when_missing": "redistribute", "missing_score": [None, None, None],
    })
    return Inputs(card=card, card_columns=card_columns, measure_rows=measure_rows, next_version=2,
                  as_of=start + timedelta(days=7 * weeks + 200), weeks=pd.DataFrame(rows), values=pd.DataFrame(values))


@pytest.mark.unit
def test_fit_grows_the_weight_of_the_measure_that_drives_churn():
    rng = np.random.default_rng(1)
    n = 3000
    driver = rng.uniform(0, 100, n)
    scores = np.column_stack([driver, rng.uniform(0, 100, n), rng.uniform(0, 100, n)])
    churned = rng.uniform(size=n) < 0.3 * (1 - driver / 100) ** 2
    weights, fit_auc = fit_weights(scores, churned, np.array([10.0, 10.0, 10.0]), 30.0)
    assert weights[0] > 10 and weights[0] > weights[1] and weights[0] > weights[2]
    assert weights.sum() == pytest.approx(30) and weights.min() >= 1
    assert fit_auc > 0.6


@pytest.mark.unit
def test_tune_on_synthetic_inputs_and_same_input_same_bytes(tmp_path):
    inputs = _synthetic()
    tuning, rows, card = tune(inputs)
    assert tuning.candidate_weights[0] > 10 and tuning.candidate_weights.sum() == 30
    assert tuning.last_fit_date == tuning.split_date - timedelta(days=180)
    assert tuning.candidate.auc > tuning.current.auc
    write_outputs(tuning, inputs, rows, card, tmp_path / "one")
    again = tune(_synthetic())
    write_outputs(again[0], _synthetic(), again[1], again[2], tmp_path / "two")
    for name in (MEASURES_FILE, SCORECARDS_FILE, REPORT_FILE):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    measures = pd.read_csv(tmp_path / "one" / MEASURES_FILE)
    assert list(measures.columns) == list(inputs.measure_rows.columns)
    assert set(measures["scorecard_version"]) == {2} and measures["weight"].sum() == 30
    cards = pd.read_csv(tmp_path / "one" / SCORECARDS_FILE)
    assert list(cards.columns) == inputs.card_columns and len(cards) == 1
    assert cards.loc[0, "status"] == "candidate" and cards.loc[0, "effective_from"] > str(inputs.as_of)


@pytest.mark.unit
def test_errors_no_weeks_and_no_churner():
    empty = _synthetic()
    empty.weeks = empty.weeks.iloc[0:0]
    with pytest.raises(TuneHealthError, match="no customer-weeks"):
        tune(empty)
    with pytest.raises(TuneHealthError, match="no churner in the fit part"):
        tune(_synthetic(churn=False))
    with pytest.raises(TuneHealthError, match="none is on or before"):
        tune(_synthetic(weeks=20))


@pytest.mark.unit
def test_missing_warehouse_is_one_line_exit_2(tmp_path, capsys):
    with pytest.raises(CsopsError):
        run(tmp_path / "none.duckdb", out=tmp_path / "out")
    assert main(["tune-health", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("csops tune-health: error: no warehouse at") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.warehouse
def test_python_score_equals_the_sql_score(built_warehouse, tmp_path):
    from csops.health_tune import measures_of, score_matrix
    from csops.warehouse import connect_read_only

    warehouse, _ = built_warehouse
    con = connect_read_only(warehouse)
    try:
        for scorecard in ("standard", "onboarding"):
            inputs = load(con, scorecard)
            weeks = inputs.weeks.assign(scored_date=pd.to_datetime(inputs.weeks["scored_date"]).dt.date)
            values = inputs.values.assign(scored_date=pd.to_datetime(inputs.values["scored_date"]).dt.date)
            measures = measures_of(inputs.measure_rows)
            scores, present = score_matrix(weeks, values, measures, float(inputs.card["red_below"]),
                                           float(inputs.card["green_from"]))
            python_score = weighted_scores(scores, present, np.array([m.weight for m in measures]),
                                           float(inputs.card["min_weight_present"]))
            checked, max_diff, bad = check_against_sql(con, inputs.weeks, python_score, scorecard,
                                                       int(inputs.card["scorecard_version"]))
            assert checked == len(inputs.weeks) and checked > 0
            assert bad.empty and max_diff <= 0.05 + 1e-6
            # the labels are the backtest report's: the same scored customer-weeks and churners
            scored = ~np.isnan(python_score)
            churners = int(inputs.weeks["churned"].to_numpy(dtype=bool)[scored].sum())
            version = int(inputs.card["scorecard_version"])
            assert check_labels(con, scorecard, version, int(scored.sum()), churners) == (int(scored.sum()), churners)
    finally:
        con.close()
    # the command itself: a candidate, or (short tiny history) one error line - never a traceback
    try:
        tuning = run(warehouse, "onboarding", tmp_path / "out")
        assert (tmp_path / "out" / MEASURES_FILE).is_file() and tuning.sql_rows_checked > 0
    except TuneHealthError as e:
        assert "\n" not in str(e)


@pytest.mark.unit
def test_fit_with_customer_folds_still_finds_the_driver_and_ignores_noise():
    rng = np.random.default_rng(2)
    customers = np.repeat(np.arange(300), 10)
    driver = np.repeat(rng.uniform(0, 100, 300), 10) + rng.normal(0, 5, 3000)
    noise = rng.uniform(0, 100, (3000, 2))
    churned = np.repeat(rng.uniform(size=300), 10) < 0.4 * (1 - np.repeat(driver[::10], 10) / 100) ** 2
    scores = np.column_stack([driver, noise])
    weights, _ = fit_weights(scores, churned, np.array([10.0, 10.0, 10.0]), 30.0, groups=customers)
    assert weights[0] > 10 and weights.sum() == pytest.approx(30)
    assert weights[1] < 10 and weights[2] < 10
    same, _ = fit_weights(scores, churned, np.array([10.0, 10.0, 10.0]), 30.0, groups=customers)
    assert list(same) == list(weights)


def _fake_warehouse(path, weeks: int = 90, as_of: date = date(2026, 10, 31)):
    """A DuckDB file with just the tables tune-health reads: 60 customers, measure a drives churn."""
    import duckdb

    rng = np.random.default_rng(3)
    first = as_of - timedelta(days=7 * weeks)
    first -= timedelta(days=(first.weekday() + 1) % 7)  # a Sunday
    days, values, movements, endings = [], [], [], []
    for c in range(60):
        level = rng.uniform(0, 1)
        churns = rng.uniform() < 0.8 * (1 - level)
        churn_at = first + timedelta(days=int(rng.uniform(30, 7 * weeks))) if churns else None
        if churn_at is not None:
            movements.append((f"c{c}", churn_at.replace(day=1), "churn"))
            endings.append((f"c{c}", churn_at.replace(day=1), pd.Timestamp(churn_at)))
        for k in range(weeks):
            d = first + timedelta(days=7 * k)
            if churn_at is not None and d >= churn_at:
                break
            days.append((f"c{c}", d, True, "smb", "established"))
            for name, v in (("a", level + rng.normal(0, 0.05)), ("b", rng.uniform(0, 1))):
                values.append((f"c{c}", d, name, float(v), d))
    con = duckdb.connect(str(path))
    for schema in ("intermediate", "marts"):
        con.execute(f"create schema {schema}")
    con.execute("create table health_scorecards as select * from (values ('standard', 1, 'published', "
                "date '2000-01-01', null::date, 'smb|enterprise', 'established', 0.5::double, 40::double, "
                "70::double, 'test')) as t(scorecard_id, scorecard_version, status, effective_from, effective_to, "
                "applies_to_segments, applies_to_phases, min_weight_present, red_below, green_from, description)")
    con.execute("create table health_scorecard_measures as select * from (values "
                "('standard', 1, 'a', 10::double, 'higher_is_better', 0.3::double, 0.7::double, null::integer, "
                "'redistribute', null::double), "
                "('standard', 1, 'b', 10::double, 'higher_is_better', 0.3::double, 0.7::double, null::integer, "
                "'redistribute', null::double)) as t(scorecard_id, scorecard_version, measure, weight, direction, "
                "red_threshold, green_threshold, freshness_days, when_missing, missing_score)")
    con.execute(f"create table intermediate.int_warehouse_as_of as select date '{as_of}' as as_of_date")
    frames = {
        "intermediate.int_health_customer_days": pd.DataFrame(
            days, columns=["customer_id", "scored_date", "is_week_end", "segment", "lifecycle_phase"]),
        "intermediate.int_health_measures_unpivoted": pd.DataFrame(
            values, columns=["customer_id", "scored_date", "measure", "measure_value", "last_input_date"]),
        "marts.fct_mrr_movements": pd.DataFrame(movements, columns=["customer_id", "month_start_date",
                                                                    "movement_type"]),
        "intermediate.int_subscriptions_endings_typed": pd.DataFrame(
            endings, columns=["customer_id", "ended_month_start_date", "ended_at"]),
    }
    for name, frame in frames.items():
        con.register("_frame", frame)
        con.execute(f"create table {name} as select * from _frame")
        con.unregister("_frame")
    con.execute("""
        create table intermediate.int_customer_health_scored as
        select d.customer_id, d.scored_date, 'standard' as scorecard_id, 1 as scorecard_version,
               round(avg(least(100, greatest(0, 40 + (u.measure_value - 0.3) / 0.4 * 30))), 1) as health_score
        from intermediate.int_health_customer_days as d
        join intermediate.int_health_measures_unpivoted as u using (customer_id, scored_date)
        group by all""")
    con.close()


@pytest.mark.unit
def test_command_end_to_end_on_a_small_fake_warehouse(tmp_path, capsys):
    _fake_warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "out"
    assert main(["tune-health", "--warehouse", str(tmp_path / "w.duckdb"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "AUC (180-day churn)" in printed and "equals int_customer_health_scored.health_score" in printed
    measures = pd.read_csv(out / MEASURES_FILE)
    assert list(measures["measure"]) == ["a", "b"] and list(measures["scorecard_version"]) == [2, 2]
    assert measures["weight"].sum() == 20 and measures.loc[0, "weight"] >= 10
    cards = pd.read_csv(out / SCORECARDS_FILE)
    assert cards.loc[0, "status"] == "candidate" and cards.loc[0, "applies_to_segments"] == "smb|enterprise"
    # a history shorter than the outcome window: one line, exit 2
    _fake_warehouse(tmp_path / "short.duckdb", weeks=20)
    assert main(["tune-health", "--warehouse", str(tmp_path / "short.duckdb"), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("csops tune-health: error: no customer-weeks") and err.count("\n") == 1
