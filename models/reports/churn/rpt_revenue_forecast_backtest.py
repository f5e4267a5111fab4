"""How good were the revenue forecasts? Forecasts made at past month ends against what happened.

For every month end before the as-of and every horizon in ml_forecast_backtest_horizons_months
whose target month has closed: each method's forecast of the MRR of the book paying at that
month end, what that book actually paid at the target month's close, the error and the absolute
percentage error (grain 'forecast'); and per method and horizon, MAPE, bias and interval coverage
(grain 'summary'). Every input of a forecast made at M was known at M: the churn model's
out-of-time probabilities scored at M (ml_churn_backtest_scores, selected model only) and each
customer's days to its term end at M (ml_churn_features), cohort
churn and expansion/contraction from months up to M's. The maths is in
python/csops/ml/forecast.py (forecast_backtest).
"""

import json

from csops.ml import forecast


def _value(value):
    return json.loads(value) if isinstance(value, str) else value


def model(dbt, session):
    dbt.config(materialized="table")
    as_of_date = dbt.ref("int_warehouse_as_of").df()["as_of_date"].iloc[0]
    mrr_monthly = dbt.ref("int_customers_mrr_monthly").project(forecast.MRR_MONTHLY_COLUMNS).df()
    movements = dbt.ref("fct_mrr_movements").project(forecast.MOVEMENT_COLUMNS).df()
    scores = dbt.ref("ml_churn_backtest_scores").project(
        "customer_id, observation_date, churn_probability, is_selected_model, plan_group, is_cancel_pending"
    ).df()
    # a term plan churns only at a term end: the days to it and the interval, as known at M
    terms = dbt.ref("ml_churn_features").project(
        "customer_id, observation_date, days_to_term_end, billing_interval_months"
    ).df()
    scores = scores.merge(terms, on=["customer_id", "observation_date"], how="left")
    horizons = _value(dbt.config.get("backtest_horizons_months"))
    frame = forecast.forecast_backtest(
        as_of_date,
        mrr_monthly,
        movements,
        scores,
        horizons=[int(h) for h in horizons],
        window_days=int(_value(dbt.config.get("churn_window_days"))),
        rate_window_months=int(_value(dbt.config.get("rate_window_months"))),
        reporting_currency=str(dbt.config.get("reporting_currency")),
        min_cohort_customers=int(_value(dbt.config.get("sbg_min_cohort_customers"))),
    )
    return forecast.as_arrow(frame, forecast.BACKTEST_TYPES)
