"""ml_churn_model_evaluation: per model and fold, how well the churn models predicted later months.

The metrics are defined in csops.ml.metrics, the folds in csops.ml; this model only hands the table and
the vars over. It reuses the run of ml_churn_backtest_scores (same process, same table and settings).
"""

from csops.ml.warehouse import churn_run, model_evaluation, settings


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("ml_churn_backtest_scores")  # built after the backtest, so it reuses its run
    features = dbt.ref("ml_churn_features").df()
    config, _high, _medium = settings(dbt.config.meta_get("churn_settings"))
    return model_evaluation(churn_run(features, config))
