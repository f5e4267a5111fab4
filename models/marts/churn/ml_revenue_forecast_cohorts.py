"""The shifted-beta-geometric fit behind each signup cohort's cohort_sbg forecast.

One row per signup cohort, plus one pooled row (every cohort together: the fallback for a cohort
the fit cannot identify). The maths is python/csops/ml/forecast.py (cohort_fit_table); this
model only reads its inputs and calls it.
"""

import json

from csops.ml import forecast


def model(dbt, session):
    dbt.config(materialized="table")
    as_of_date = dbt.ref("int_warehouse_as_of").df()["as_of_date"].iloc[0]
    mrr_monthly = dbt.ref("int_customers_mrr_monthly").project(forecast.MRR_MONTHLY_COLUMNS).df()
    movements = dbt.ref("fct_mrr_movements").project(forecast.MOVEMENT_COLUMNS).df()
    forecast_months = dbt.config.get("forecast_months")
    min_cohort_customers = dbt.config.get("sbg_min_cohort_customers")
    frame = forecast.cohort_fit_table(
        as_of_date,
        mrr_monthly,
        movements,
        forecast_months=int(json.loads(forecast_months) if isinstance(forecast_months, str) else forecast_months),
        min_cohort_customers=int(
            json.loads(min_cohort_customers) if isinstance(min_cohort_customers, str) else min_cohort_customers
        ),
    )
    return forecast.as_arrow(frame, forecast.COHORT_FIT_TYPES)
