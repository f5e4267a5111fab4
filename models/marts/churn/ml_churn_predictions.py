"""ml_churn_predictions: today's churn probability, risk tier, ARR at risk and drivers of every paying customer.

The selected model of the backtest, refit on every labelled row (csops.ml ChurnRun.predict); tiers and
fallbacks in csops.ml.warehouse.
"""

from csops.ml.warehouse import churn_run, predictions, settings


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("ml_churn_backtest_scores")  # built after the backtest, so it reuses its run
    features = dbt.ref("ml_churn_features").df()
    # each customer's latest health band: the tier of rows the model cannot score yet (fallback)
    bands = dbt.ref("fct_customer_health_daily").aggregate(
        "customer_id, arg_max(health_band, scored_date) as health_band", "customer_id").df()
    config, high, medium = settings(dbt.config.meta_get("churn_settings"))
    return predictions(churn_run(features, config), features, bands, high, medium)
