"""The revenue forecast's maths (csops.ml.forecast): the sBG fit, the book's projection, the backtest."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from csops.ml import forecast as f

# Fader & Hardie (2007), "How to project customer retention", Table 1: survivors of 1000 customers
# after years 1-7, and their Table 2 maximum-likelihood estimates from those 7 years.
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "log_likelihood"),
    [(HIGH_END, 0.668, 3.806, -1611.2), (REGULAR, 0.704, 1.182, -1680.3)],
)
def test_sbg_fit_matches_fader_and_hardie(survivors, alpha, beta, log_likelihood):
    fit = f.sbg_fit(survivors)
    assert fit.status == "fitted"
    assert fit.alpha == pytest.approx(alpha, abs=0.001)
    assert fit.beta == pytest.approx(beta, abs=0.001)
    assert fit.log_likelihood == pytest.approx(log_likelihood, abs=0.1)


@pytest.mark.unit
def test_sbg_projection_of_the_regular_customers_matches_the_paper():
    # the paper's projection for year 12 of the regular segment: about 17% of the cohort left
    fit = f.sbg_fit(REGULAR)
    assert float(f.sbg_survival(fit.alpha, fit.beta, 12)) == pytest.approx(0.17, abs=0.01)


def _simulated_cohort(alpha: float, beta: float, customers: int, periods: int, rng) -> np.ndarray:
    churn_chance = rng.beta(alpha, beta, size=customers)
    lifetimes = rng.geometric(churn_chance)  # the period each customer churns in (1, 2, ...)
    return np.array([(lifetimes > t).sum() for t in range(periods + 1)], dtype=float)


@pytest.mark.unit
@pytest.mark.parametrize(("alpha", "beta"), [(0.7, 1.2), (2.0, 6.0), (0.5, 3.0)])
def test_sbg_fit_recovers_simulated_parameters(alpha, beta):
    rng = np.random.default_rng(7)
    fit = f.sbg_fit(_simulated_cohort(alpha, beta, 20000, 12, rng))
    assert fit.status == "fitted"
    assert fit.alpha == pytest.approx(alpha, rel=0.15)
    assert fit.beta == pytest.approx(beta, rel=0.15)


@pytest.mark.unit
def test_pooled_fit_of_cohorts_of_different_ages_recovers_the_parameters():
    rng = np.random.default_rng(11)
    cohorts = [_simulated_cohort(1.0, 3.0, 4000, periods, rng) for periods in (3, 6, 9, 12, 15)]
    fit = f.sbg_fit(cohorts)
    assert fit.status == "fitted"
    assert fit.alpha == pytest.approx(1.0, rel=0.2)
    assert fit.beta == pytest.approx(3.0, rel=0.2)
    assert fit.customers == 20000 and fit.periods == 15


@pytest.mark.unit
def test_sbg_survival_is_one_minus_the_churn_probabilities_so_far():
    probabilities = f.sbg_churn_probabilities(0.8, 2.5, 10)
    survival = f.sbg_survival(0.8, 2.5, np.arange(1, 11))
    assert np.allclose(survival, 1 - np.cumsum(probabilities))
    assert float(f.sbg_survival(0.8, 2.5, 0)) == pytest.approx(1.0)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("survivors", "status"),
    [
        ([40, 40, 40, 40], "no_churn"),
        ([40, 35], "too_few_periods"),
        ([40], "too_few_periods"),
        ([0, 0, 0], "no_customers"),
        ([[0, 0], [5, 5, 5]], "no_churn"),
    ],
)
def test_a_degenerate_cohort_has_no_fit_and_says_why(survivors, status):
    fit = f.sbg_fit(survivors)
    assert (fit.status, fit.alpha, fit.beta) == (status, None, None)
    # an unfitted curve projects flat, never a crash
    assert np.array_equal(f.sbg_conditional_survival(fit, 3, [1, 2]), np.ones(2))


@pytest.mark.unit
def test_a_survivor_curve_that_grows_is_refused():
    with pytest.raises(ValueError, match="never increase"):
        f.sbg_fit([10, 8, 9])


@pytest.mark.unit
def test_conditional_survival_of_an_older_customer_is_higher():
    # heterogeneity: the customers who stayed are the loyal ones (the paper's point)
    fit = f.sbg_fit(REGULAR)
    young = f.sbg_conditional_survival(fit, 0, [1])[0]
    old = f.sbg_conditional_survival(fit, 6, [1])[0]
    assert young == pytest.approx(1 - 0.704 / (0.704 + 1.182), abs=0.001)
    assert old > young


@pytest.mark.unit
def test_window_probability_becomes_a_constant_monthly_hazard():
    p = np.array([0.0, 0.3, 1.0])
    assert np.allclose(f.survival_from_window_probability(p, 90, [90])[:, 0], 1 - p)
    hazard = f.monthly_hazard(0.3, 90)
    assert float(hazard) == pytest.approx(1 - 0.7 ** (f.DAYS_PER_MONTH / 90))
    # compounding the monthly hazard over the window gives back the window's probability
    assert 1 - (1 - float(hazard)) ** (90 / f.DAYS_PER_MONTH) == pytest.approx(0.3)


@pytest.mark.unit
def test_a_term_plan_leaves_only_at_its_term_ends():
    # (p, days to the term end, term length in days); renewal probability q = 0.1, window 90 days
    p = np.array([0.3, 0.02, 0.2])
    first_end = np.array([60.0, 200.0, 10.0])
    term = np.array([365.0, 365.0, 91.0])
    days = [30, 90, 199, 200, 300, 425]
    s = f.term_survival(p, first_end, term, 0.1, 90, days)
    # renewal inside the window: nothing before it, its own p at it, q at the next one a year later
    assert np.allclose(s[0], [1, 0.7, 0.7, 0.7, 0.7, 0.7 * 0.9])
    # renewal after the window: p's constant hazard meanwhile (a write-off), q at the term end
    early = 0.98 ** (np.array(days) / 90)
    assert np.allclose(s[1], early * np.array([1, 1, 1, 0.9, 0.9, 0.9]))
    # a quarterly plan renews every term: p at day 10 (inside the window), then q at 101, 192, 283, ...
    renewals_after_first = np.array([0, 0, 2, 2, 3, 4])
    assert np.allclose(s[2], 0.8 * 0.9**renewals_after_first)


@pytest.mark.unit
def test_the_renewal_probability_is_the_models_on_the_term_customers_renewing_now():
    book = pd.DataFrame({
        "churn_probability": [0.2, 0.4, 1.0, 0.01, 0.05, np.nan],
        "plan_group": ["term", "term", "term", "term", "monthly", "term"],
        "days_to_term_end": pd.array([30, 80, 20, 250, 12, None], dtype="Int32"),
        "billing_interval_months": [12, 12, 12, 12, 1, 12],
        "is_cancel_pending": [False, False, True, False, False, False],
    })
    scored = ~book["churn_probability"].isna().to_numpy()
    term, renewal = f.term_plans(book, scored, 90)
    # a term plan with a known term end (the last has none: it keeps the constant hazard)
    assert term.tolist() == [True, True, True, True, False, False]
    # renewing inside the window and scored, the pending cancellation (a known outcome) left out
    assert renewal == pytest.approx(0.3)
    # a book without the term columns has no term plans: every customer keeps the constant hazard
    plain = book[["churn_probability"]]
    assert f.term_plans(plain, scored, 90)[0].tolist() == [False] * 6


@pytest.mark.unit
def test_zero_hazard_and_zero_expansion_is_flat():
    mrr = np.array([100.0, 250.0, 40.0])
    projected = f.project_book(mrr, np.ones((3, 4)), [1, 2, 3, 12], f.MovementRates.none())
    assert np.allclose(projected["forecast_mrr_amount"], 390.0)
    assert np.allclose(projected["lower_95_mrr_amount"], 390.0)
    assert np.allclose(projected["upper_95_mrr_amount"], 390.0)
    assert np.allclose(f.naive(mrr, [1, 2])["forecast_mrr_amount"], 390.0)


@pytest.mark.unit
def test_the_projection_is_survival_times_mrr_times_growth():
    mrr = np.array([100.0, 200.0])
    survival = np.array([[0.9, 0.5], [0.8, 0.6]])
    rates = f.MovementRates(expansion_ratio=0.03, contraction_ratio=0.01, net_sd_ratio=0.0, months=12)
    projected = f.project_book(mrr, survival, [1, 2], rates)
    expected = np.array([100 * 0.9 + 200 * 0.8, 100 * 0.5 + 200 * 0.6]) * 1.02 ** np.array([1, 2])
    assert np.allclose(projected["forecast_mrr_amount"], expected)
    # with no spread in the rates, only the Bernoulli survivals make the variance
    bernoulli = np.array([100**2 * 0.09 + 200**2 * 0.16, 100**2 * 0.25 + 200**2 * 0.24])
    bernoulli = bernoulli * 1.02 ** (2 * np.array([1, 2]))
    assert np.allclose(projected["forecast_sd_mrr_amount"] ** 2, bernoulli)


@pytest.mark.unit
def test_intervals_widen_with_the_horizon():
    rng = np.random.default_rng(3)
    mrr = rng.uniform(50, 2000, size=300)
    p = rng.uniform(0.02, 0.4, size=300)
    months = np.arange(1, 13)
    survival = f.survival_from_window_probability(p, 90, months * f.DAYS_PER_MONTH)
    rates = f.MovementRates(expansion_ratio=0.02, contraction_ratio=0.01, net_sd_ratio=0.01, months=12)
    projected = f.project_book(mrr, survival, months, rates)
    for level in ("80", "95"):
        width = projected[f"upper_{level}_mrr_amount"] - projected[f"lower_{level}_mrr_amount"]
        assert np.all(np.diff(width) > 0), level
    assert np.all(projected["lower_95_mrr_amount"] <= projected["lower_80_mrr_amount"])
    assert np.all(projected["upper_80_mrr_amount"] <= projected["upper_95_mrr_amount"])


# ---- a small synthetic warehouse: int_customers_mrr_monthly and fct_mrr_movements ----------------


def _warehouse(customers: int = 120, first: date = date(2024, 1, 1), months: int = 30, seed: int = 5):
    """MRR per customer-month and its movements, for customers joining and churning over time."""
    rng = np.random.default_rng(seed)
    start = f.month_index(first)
    mrr_rows, movement_rows = [], []
    for number in range(customers):
        customer = f"c{number:04d}"
        cohort = start + int(rng.integers(0, months - 6))
        lifetime = int(rng.geometric(rng.beta(1.0, 4.0)))
        churn = cohort + lifetime if cohort + lifetime < start + months else None
        mrr = float(rng.choice([100.0, 300.0, 900.0]))
        opening = 0.0
        for month in range(cohort, start + months):
            closing = 0.0 if churn is not None and month >= churn else mrr
            if month > cohort and closing > 0 and rng.random() < 0.05:
                closing = mrr = round(mrr * 1.2, 2)
            if opening == 0 and closing > 0:
                kind = "new"
            elif opening > 0 and closing == 0:
                kind = "churn"
            elif closing > opening:
                kind = "expansion"
            elif closing > 0:
                kind = "unchanged"
            else:
                kind = None
            day = f.month_start(month)
            mrr_rows.append((customer, day, f.month_start(cohort), closing))
            if kind:
                movement_rows.append((customer, day, kind, opening, abs(closing - opening)))
            opening = closing
            if kind == "churn":
                break
    mrr_monthly = pd.DataFrame(mrr_rows, columns=["customer_id", "month_start_date", "first_paid_month", "mrr_amount"])
    movements = pd.DataFrame(
        movement_rows,
        columns=["customer_id", "month_start_date", "movement_type", "opening_mrr_amount", "movement_mrr_amount"],
    )
    return mrr_monthly, movements


def _scores(mrr_monthly: pd.DataFrame, probability: float = 0.1) -> pd.DataFrame:
    paying = mrr_monthly[mrr_monthly["mrr_amount"] > 0]
    month_ends = [f.month_start(f.month_index(day) + 1) - timedelta(days=1) for day in paying["month_start_date"]]
    return pd.DataFrame(
        {
            "customer_id": paying["customer_id"].to_numpy(),
            "observation_date": month_ends,
            "churn_probability": probability,
            "is_selected_model": True,
        }
    )


@pytest.mark.unit
def test_the_forecast_is_deterministic():
    mrr_monthly, movements = _warehouse()
    predictions = pd.DataFrame({"customer_id": mrr_monthly["customer_id"].unique(), "churn_probability": 0.2,
                                "model_name": "m"})
    runs = [
        f.revenue_forecast(date(2026, 6, 15), mrr_monthly, movements, predictions, 12, 90, 12, "USD")
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert set(runs[0]["method"]) == {"churn_model", "cohort_sbg", "naive"}
    assert len(runs[0]) == 36 and runs[0]["revenue_forecast_id"].is_unique


@pytest.mark.unit
def test_the_first_horizon_is_the_first_month_close_after_the_as_of_day():
    mrr_monthly, movements = _warehouse()
    predictions = pd.DataFrame({"customer_id": ["c0000"], "churn_probability": [0.2], "model_name": ["m"]})
    mid_month = f.revenue_forecast(date(2026, 5, 15), mrr_monthly, movements, predictions, 2, 90, 12, "USD")
    month_end = f.revenue_forecast(date(2026, 5, 31), mrr_monthly, movements, predictions, 2, 90, 12, "USD")
    assert sorted(set(mid_month["target_month_start_date"])) == [date(2026, 5, 1), date(2026, 6, 1)]
    assert sorted(set(month_end["target_month_start_date"])) == [date(2026, 6, 1), date(2026, 7, 1)]
    # 16 days to the May close from the end of May 15th; one month (30 days) from May 31st
    assert mid_month["months_ahead"].min() == pytest.approx(16 / f.DAYS_PER_MONTH)
    assert month_end["months_ahead"].min() == pytest.approx(30 / f.DAYS_PER_MONTH)


@pytest.mark.unit
def test_without_any_churn_probability_the_churn_model_rows_say_why():
    mrr_monthly, movements = _warehouse()
    empty = pd.DataFrame({"customer_id": [], "churn_probability": [], "model_name": []})
    result = f.revenue_forecast(date(2026, 5, 31), mrr_monthly, movements, empty, 3, 90, 12, "USD")
    churn_model = result[result["method"] == "churn_model"]
    assert len(churn_model) == 3
    assert churn_model["forecast_mrr_amount"].isna().all()
    assert churn_model["method_reason"].str.contains("no churn probability for half the book").all()
    assert result.loc[result["method"] == "naive", "forecast_mrr_amount"].notna().all()


@pytest.mark.unit
def test_tiny_data_with_no_churn_and_one_month_never_crashes():
    mrr_monthly = pd.DataFrame(
        {"customer_id": ["a", "b"], "month_start_date": [date(2026, 5, 1)] * 2,
         "first_paid_month": [date(2026, 5, 1)] * 2, "mrr_amount": [100.0, 50.0]}
    )
    movements = pd.DataFrame(
        {"customer_id": ["a", "b"], "month_start_date": [date(2026, 5, 1)] * 2, "movement_type": ["new", "new"],
         "opening_mrr_amount": [0.0, 0.0], "movement_mrr_amount": [100.0, 50.0]}
    )
    predictions = pd.DataFrame({"customer_id": ["a"], "churn_probability": [0.3], "model_name": ["m"]})
    result = f.revenue_forecast(date(2026, 5, 20), mrr_monthly, movements, predictions, 3, 90, 12, "USD")
    cohort = result[result["method"] == "cohort_sbg"]
    assert np.allclose(cohort["forecast_mrr_amount"], 150.0)  # no fit anywhere: flat
    assert cohort["method_reason"].str.contains("flat, no pooled fit").all()
    churn_model = result[result["method"] == "churn_model"]
    assert churn_model["method_reason"].str.contains("1 of 2 customers without a churn probability").all()
    assert (churn_model["forecast_mrr_amount"] < 150.0).all()
    backtest = f.forecast_backtest(date(2026, 5, 20), mrr_monthly, movements, _scores(mrr_monthly), [3], 90, 12, "USD")
    assert backtest.empty
    # the table the dbt model returns keeps its column types with no rows
    table = f.as_arrow(backtest, f.BACKTEST_TYPES)
    assert table.num_rows == 0 and table.schema.field("forecast_date").type == pa.date32()
    assert f.as_arrow(result, f.FORECAST_TYPES).column("forecast_mrr_amount").null_count == 0


@pytest.mark.unit
def test_a_cohort_without_churn_takes_the_pooled_fit():
    customers = pd.DataFrame(
        {"customer_id": [f"x{i}" for i in range(60)],
         "cohort_month": [100] * 30 + [103] * 30,
         "first_churn_month": [101.0] * 10 + [102.0] * 5 + [np.nan] * 15 + [np.nan] * 30}
    )
    book = pd.DataFrame({"customer_id": ["x20", "x40"], "mrr_amount": [100.0, 100.0], "cohort_month": [100, 103],
                         "churn_probability": [0.1, 0.1]})
    rates = pd.DataFrame(
        columns=["month", "surviving_opening_mrr_amount", "expansion_mrr_amount", "contraction_mrr_amount"]
    )
    as_of = f.month_start(106) - timedelta(days=1)
    result = f.forecast_book(book, customers, rates, as_of, [1, 3], 90, 12)
    cohort = result[result["method"] == "cohort_sbg"]
    assert "1 customers: pooled fit (no_churn)" in cohort["method_reason"].iloc[0]
    assert (cohort["forecast_mrr_amount"] < 200.0).all()


@pytest.mark.unit
def test_surviving_book_rates_leave_out_churned_and_new_customers():
    movements = pd.DataFrame(
        {"customer_id": ["a", "b", "c", "d", "e"],
         "month_start_date": [date(2026, 3, 1)] * 5,
         "movement_type": ["expansion", "contraction", "churn", "new", "unchanged"],
         "opening_mrr_amount": [100.0, 200.0, 500.0, 0.0, 100.0],
         "movement_mrr_amount": [20.0, 40.0, 500.0, 80.0, 0.0]}
    )
    rates = f.surviving_book_rates(movements)
    assert rates.to_dict("records") == [
        {"month": f.month_index(date(2026, 3, 1)), "surviving_opening_mrr_amount": 400.0,
         "expansion_mrr_amount": 20.0, "contraction_mrr_amount": 40.0}
    ]
    summary = f.movement_rates(rates, f.month_index(date(2026, 3, 1)), 12, min_months=1)
    assert (summary.expansion_ratio, summary.contraction_ratio, summary.months) == (0.05, 0.1, 1)
    # one month is not enough by default (no spread), and a window ending before the month sees nothing
    assert f.movement_rates(rates, f.month_index(date(2026, 3, 1)), 12) == f.MovementRates.none()
    assert f.movement_rates(rates, f.month_index(date(2026, 2, 1)), 12, min_months=1).months == 0


@pytest.mark.unit
def test_movement_rates_average_the_window_and_measure_their_spread():
    rates = pd.DataFrame(
        {"month": [10, 11, 12, 13], "surviving_opening_mrr_amount": [100.0, 100.0, 200.0, 100.0],
         "expansion_mrr_amount": [50.0, 2.0, 6.0, 1.0], "contraction_mrr_amount": [0.0, 1.0, 2.0, 0.0]}
    )
    summary = f.movement_rates(rates, 13, 3)  # months 11-13: month 10 is outside the window
    assert summary.months == 3
    assert summary.expansion_ratio == pytest.approx((0.02 + 0.03 + 0.01) / 3)
    assert summary.contraction_ratio == pytest.approx((0.01 + 0.01 + 0.0) / 3)
    assert summary.net_sd_ratio == pytest.approx(np.std([0.01, 0.02, 0.01], ddof=1))


@pytest.mark.unit
def test_backtest_uses_only_what_was_known_at_the_forecast_date():
    mrr_monthly, movements = _warehouse()
    as_of = date(2026, 6, 30)
    scores = _scores(mrr_monthly)
    base = f.forecast_backtest(as_of, mrr_monthly, movements, scores, [3, 6], 90, 12, "USD")
    forecast_date = date(2025, 6, 30)
    cut = f.month_index(forecast_date)

    # rewrite everything after the forecast date's month: more churn, other scores
    later = movements["month_start_date"].map(f.month_index) > cut
    changed_movements = movements.copy()
    changed_movements.loc[later & (changed_movements["movement_type"] == "unchanged"), "movement_type"] = "churn"
    changed_scores = scores.copy()
    changed_scores.loc[changed_scores["observation_date"] > forecast_date, "churn_probability"] = 0.9
    changed = f.forecast_backtest(as_of, mrr_monthly, changed_movements, changed_scores, [3, 6], 90, 12, "USD")

    def at_date(frame):
        rows = frame[(frame["grain"] == "forecast") & (frame["forecast_date"] == forecast_date)]
        return rows.set_index(["method", "horizon_months"])["forecast_mrr_amount"].sort_index()

    assert len(at_date(base)) == 6
    pd.testing.assert_series_equal(at_date(base), at_date(changed))
    # ... while a score at that date does change its churn_model forecast
    changed_scores.loc[changed_scores["observation_date"] == forecast_date, "churn_probability"] = 0.9
    moved = f.forecast_backtest(as_of, mrr_monthly, movements, changed_scores, [3], 90, 12, "USD")
    assert at_date(moved).loc[("churn_model", 3)] < at_date(base).loc[("churn_model", 3)]


@pytest.mark.unit
def test_backtest_actuals_errors_and_summary():
    mrr_monthly, movements = _warehouse()
    as_of = date(2026, 6, 30)
    result = f.forecast_backtest(as_of, mrr_monthly, movements, _scores(mrr_monthly), [3, 6], 90, 12, "USD")
    rows = result[result["grain"] == "forecast"]
    assert rows["backtest_row_id"].is_unique and result["backtest_row_id"].is_unique
    assert (rows["target_month_start_date"].map(f.month_index) - rows["forecast_date"].map(f.month_index)
            == rows["horizon_months"]).all()
    assert (rows["target_month_start_date"].map(f.month_index) <= f.month_index(as_of)).all()
    # the actual: what the customers paying at the forecast date paid at the target month's close
    one = rows[(rows["method"] == "naive") & (rows["horizon_months"] == 3)].iloc[0]
    monthly = f.monthly_mrr(mrr_monthly)
    book = f.book_at(monthly, f.month_index(one["forecast_date"]))
    target = monthly[(monthly["month"] == f.month_index(one["target_month_start_date"]))
                     & monthly["customer_id"].isin(book["customer_id"])]
    assert one["actual_mrr_amount"] == pytest.approx(target["mrr_amount"].sum())
    assert one["forecast_mrr_amount"] == pytest.approx(book["mrr_amount"].sum())
    assert one["error_mrr_amount"] == pytest.approx(one["forecast_mrr_amount"] - one["actual_mrr_amount"])
    summary = result[result["grain"] == "summary"].set_index(["method", "horizon_months"])
    assert len(summary) == 6
    naive3 = rows[(rows["method"] == "naive") & (rows["horizon_months"] == 3)]
    assert summary.loc[("naive", 3), "mape_ratio"] == pytest.approx(naive3["absolute_percentage_error_ratio"].mean())
    assert summary.loc[("naive", 3), "bias_ratio"] == pytest.approx(naive3["percentage_error_ratio"].mean())
    assert summary.loc[("naive", 3), "forecasts_count"] == len(naive3)
    # the naive book only loses customers here (no new business, little expansion): it over-forecasts
    assert summary.loc[("naive", 6), "bias_ratio"] > 0
    assert np.isnan(summary.loc[("naive", 6), "coverage_80_ratio"])
    assert 0 <= summary.loc[("churn_model", 6), "coverage_95_ratio"] <= 1


# ---- the built warehouse (make dbt-test): the dbt models against SQL recomputations ------------


@pytest.fixture
def warehouse_con(built_warehouse):
    import duckdb

    con = duckdb.connect(str(built_warehouse[0]), read_only=True)
    yield con
    con.close()


@pytest.mark.warehouse
def test_warehouse_forecast_book_is_the_customers_paying_at_the_as_of(warehouse_con):
    expected = warehouse_con.execute("""
        select count(*), sum(m.mrr_amount)
        from intermediate.int_customers_mrr_monthly as m
        cross join intermediate.int_warehouse_as_of as a
        where m.month_start_date = date_trunc('month', a.as_of_date) and m.mrr_amount > 0
    """).fetchone()
    rows = warehouse_con.execute("""
        select method, count(*), min(book_customers), max(book_customers), min(book_mrr_amount),
            max(book_mrr_amount), bool_and(abs(forecast_mrr_amount - book_mrr_amount) < 0.005 or method != 'naive')
        from marts.ml_revenue_forecast group by method order by method
    """).fetchall()
    assert [row[0] for row in rows] == ["churn_model", "cohort_sbg", "naive"]
    for _, horizons, customers_low, customers_high, mrr_low, mrr_high, naive_is_flat in rows:
        assert horizons == 12
        assert customers_low == customers_high == expected[0]
        assert mrr_low == pytest.approx(float(expected[1])) and mrr_high == pytest.approx(float(expected[1]))
        assert naive_is_flat


@pytest.mark.warehouse
def test_warehouse_backtest_actuals_and_summary_recomputed_in_sql(warehouse_con):
    wrong_actuals, forecast_rows = warehouse_con.execute("""
        with book as (
            select b.customer_id, bt.backtest_row_id, bt.target_month_start_date, bt.actual_mrr_amount
            from marts.rpt_revenue_forecast_backtest as bt
            inner join intermediate.int_customers_mrr_monthly as b
                on b.month_start_date = date_trunc('month', bt.forecast_date) and b.mrr_amount > 0
            where bt.grain = 'forecast'
        ),
        actuals as (
            select book.backtest_row_id, any_value(book.actual_mrr_amount) as reported,
                coalesce(sum(t.mrr_amount), 0) as recomputed
            from book
            left join intermediate.int_customers_mrr_monthly as t
                on t.customer_id = book.customer_id and t.month_start_date = book.target_month_start_date
            group by book.backtest_row_id
        )
        select count(*) filter (where abs(reported - recomputed) > 0.01), count(*) from actuals
    """).fetchone()
    assert forecast_rows > 0, "the tiny data should have month ends with a closed 3-month target"
    assert wrong_actuals == 0
    mismatched = warehouse_con.execute("""
        with graded as (
            select * from marts.rpt_revenue_forecast_backtest
            where grain = 'forecast' and percentage_error_ratio is not null
        ),
        common as (  -- the forecast dates and horizons every method forecast
            select forecast_date, horizon_months from graded group by all
            having count(distinct method) = (select count(distinct method) from graded)
        ),
        recomputed as (
            select method, horizon_months, avg(absolute_percentage_error_ratio) as mape,
                avg(percentage_error_ratio) as bias, count(percentage_error_ratio) as n
            from graded inner join common using (forecast_date, horizon_months)
            group by all
        )
        select count(*)
        from marts.rpt_revenue_forecast_backtest as s
        inner join recomputed as r using (method, horizon_months)
        where s.grain = 'summary'
            and (abs(s.mape_ratio - r.mape) > 1e-9 or abs(s.bias_ratio - r.bias) > 1e-9 or s.forecasts_count != r.n)
    """).fetchone()[0]
    assert mismatched == 0


@pytest.mark.unit
def test_a_small_cohort_takes_the_pooled_fit_and_the_cohort_table_adds_up_to_the_book():
    mrr_monthly, movements = _warehouse(customers=300)
    as_of = date(2026, 6, 30)
    table = f.cohort_fit_table(as_of, mrr_monthly, movements, 12, min_cohort_customers=15)
    cohorts = table[~table["is_pooled"]]
    small = cohorts["cohort_customers"] < 15
    assert small.any() and (~small).any()
    assert (cohorts.loc[small, "fit_status"] == "too_few_customers").all()
    assert (cohorts.loc[small, "curve_used"] == "pooled").all()
    assert cohorts.loc[~small, "fit_status"].isin(["fitted", "no_churn", "too_few_periods", "not_converged"]).all()
    book = f.book_at(f.monthly_mrr(mrr_monthly), f.month_index(as_of))
    assert table["book_customers"].sum() == len(book)
    assert table["book_mrr_amount"].sum() == pytest.approx(book["mrr_amount"].sum())
    assert table["retention_at_horizon_ratio"].between(0, 1).all()
    # the forecast uses the same rule: its reason counts the small cohorts' book customers
    predictions = pd.DataFrame({"customer_id": book["customer_id"], "churn_probability": 0.1, "model_name": "m"})
    result = f.revenue_forecast(as_of, mrr_monthly, movements, predictions, 3, 90, 12, "USD", min_cohort_customers=15)
    pooled = int(cohorts.loc[cohorts["curve_used"] == "pooled", "book_customers"].sum())
    reason = result.loc[result["method"] == "cohort_sbg", "method_reason"].iloc[0]
    assert f"{int(cohorts.loc[small, 'book_customers'].sum())} customers: pooled fit (too_few_customers)" in reason
    assert pooled >= int(cohorts.loc[small, "book_customers"].sum())


@pytest.mark.unit
def test_a_warehouse_with_no_revenue_gives_empty_books_not_errors():
    mrr_monthly = pd.DataFrame({name: pd.Series([], dtype=object) for name in
                                ["customer_id", "month_start_date", "first_paid_month", "mrr_amount"]})
    movements = pd.DataFrame({name: pd.Series([], dtype=object) for name in
                              ["customer_id", "month_start_date", "movement_type", "opening_mrr_amount",
                               "movement_mrr_amount"]})
    predictions = pd.DataFrame({"customer_id": [], "churn_probability": [], "model_name": []})
    scores = pd.DataFrame({"customer_id": [], "observation_date": [], "churn_probability": [], "is_selected_model": []})
    result = f.revenue_forecast(date(2026, 11, 1), mrr_monthly, movements, predictions, 3, 90, 12, "USD", 30)
    assert sorted(result["method"].unique()) == ["churn_model", "cohort_sbg", "naive"] and len(result) == 9
    assert (result["book_customers"] == 0).all()
    assert f.as_arrow(result, f.FORECAST_TYPES).num_rows == 9
    assert f.forecast_backtest(date(2026, 11, 1), mrr_monthly, movements, scores, [3], 90, 12, "USD", 30).empty
    cohorts = f.cohort_fit_table(date(2026, 11, 1), mrr_monthly, movements, 12, 30)
    assert cohorts["cohort_fit_id"].tolist() == ["pooled"] and cohorts["curve_used"].tolist() == ["flat"]


@pytest.mark.unit
def test_a_book_mostly_unscored_gets_no_churn_model_forecast_and_the_summary_compares_common_dates():
    mrr_monthly, movements = _warehouse()
    book = f.book_at(f.monthly_mrr(mrr_monthly), f.month_index(date(2026, 5, 31)))
    # only two pending cancellations scored (probability 1): the rest must not take their mean
    few = pd.DataFrame({"customer_id": book["customer_id"].iloc[:2], "churn_probability": 1.0,
                        "model_name": "ensemble"})
    result = f.revenue_forecast(date(2026, 5, 31), mrr_monthly, movements, few, 3, 90, 12, "USD")
    churn_model = result[result["method"] == "churn_model"]
    assert churn_model["forecast_mrr_amount"].isna().all()
    # the summary grades every method on the same forecast dates
    rows = pd.DataFrame({
        "method": ["naive", "naive", "churn_model"], "horizon_months": [3, 3, 3],
        "forecast_date": [date(2026, 1, 31), date(2026, 2, 28), date(2026, 2, 28)],
        "percentage_error_ratio": [0.5, 0.1, 0.2], "absolute_percentage_error_ratio": [0.5, 0.1, 0.2],
        "is_within_80_interval": [None, None, True], "is_within_95_interval": [None, None, True]})
    summary = f.summarise_backtest(rows).set_index("method")
    assert summary.loc["naive", "mape_ratio"] == pytest.approx(0.1)  # January: no churn_model forecast
    assert (summary["forecasts_count"] == 1).all()
