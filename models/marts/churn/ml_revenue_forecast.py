"""Expected MRR of the current book for each of the next months, by three methods.

One row per method and month ahead. The book is the customers paying at the warehouse's as-of
date; the forecast is the MRR those same customers will pay at each month's close (new business
is out of scope). churn_model: each customer's churn probability (ml_churn_predictions) as a
constant monthly hazard on a monthly plan, and at term ends only on a term plan (its days to the
term end and billing interval from today's ml_churn_features rows), and the book's historical
net expansion; cohort_sbg: a
shifted-beta-geometric retention curve per signup cohort instead of the probabilities; naive:
MRR stays flat. The maths, the interval and the fallbacks are in python/csops/ml/forecast.py;
this model only reads its inputs and calls it.
"""

import json

from csops.ml import forecast


def _number(value):
    return int(json.loads(value) if isinstance(value, str) else value)


def model(dbt, session):
    dbt.config(materialized="table")
    as_of_date = dbt.ref("int_warehouse_as_of").df()["as_of_date"].iloc[0]
    mrr_monthly = dbt.ref("int_customers_mrr_monthly").project(forecast.MRR_MONTHLY_COLUMNS).df()
    movements = dbt.ref("fct_mrr_movements").project(forecast.MOVEMENT_COLUMNS).df()
    predictions = dbt.ref("ml_churn_predictions").project(
        "customer_id, churn_probability, model_name, plan_group, is_cancel_pending"
    ).df()
    terms = dbt.ref("ml_churn_features").filter("is_latest_observation").project(
        "customer_id, days_to_term_end, billing_interval_months"
    ).df()
    predictions = predictions.merge(terms, on="customer_id", how="left")
    frame = forecast.revenue_forecast(
        as_of_date,
        mrr_monthly,
        movements,
        predictions,
        forecast_months=_number(dbt.config.get("forecast_months")),
        window_days=_number(dbt.config.get("churn_window_days")),
        rate_window_months=_number(dbt.config.get("rate_window_months")),
        reporting_currency=str(dbt.config.get("reporting_currency")),
        min_cohort_customers=_number(dbt.config.get("sbg_min_cohort_customers")),
    )
    return forecast.as_arrow(frame, forecast.FORECAST_TYPES)
