"""ml_churn_backtest_scores: every out-of-time churn prediction of the backtest (model x test date x customer).

The method is in csops.ml (python/csops/ml/__init__.py) and csops.ml.warehouse; this model only hands
the table and the vars over.
"""

from csops.ml.warehouse import backtest_scores, churn_run, settings


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("ml_churn_features").df()
    config, high, medium = settings(dbt.config.meta_get("churn_settings"))
    return backtest_scores(churn_run(features, config), features, high, medium)
