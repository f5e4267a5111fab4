"""csops.ml.warehouse, what the dbt Python models ml_churn_backtest_scores, ml_churn_model_evaluation and
ml_churn_predictions return, on a synthetic table shaped like marts.ml_churn_features (the tiny demo data
is too young for the 12 months of history a fold needs, so its build exercises the fallbacks only)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from ml_synthetic import customer_table

from csops.ml import ChurnConfig, MlError
from csops.ml.warehouse import backtest_scores, churn_run, model_evaluation, predictions, settings

pytestmark = pytest.mark.unit

META = {"window_days": "90", "lead_days": "0", "seed": "42", "fold_step": "1", "max_folds": "None",
        "min_train_months": "2", "split_by": "is_term_plan", "high_risk_probability": "0.25",
        "medium_risk_probability": "0.1"}


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    table = customer_table().drop(columns=["noise"])
    dates = pd.to_datetime(table["observation_date"])
    return table.assign(
        is_latest_observation=dates == dates.max(),
        is_label_known=table["churned_in_window"].notna(),
        churn_date=(dates + pd.Timedelta(days=30)).dt.date.where(table["churned_in_window"].fillna(0).eq(1)),
        arr_amount=table["mrr_amount"] * 12)


@pytest.fixture(scope="module")
def run(features):
    config, _high, _medium = settings(META)
    return churn_run(features, ChurnConfig(**{**config.__dict__, "gb_max_iter": 30, "gb_min_samples_leaf": 20,
                                              "min_split_churners": 5}))


def test_settings_read_the_vars_and_refuse_nonsense():
    config, high, medium = settings(META)
    assert (config.horizon_days, config.min_train_dates, config.split_by, config.max_folds) == (90, 2, "is_term_plan",
                                                                                                None)
    assert (high, medium) == (0.25, 0.1)
    with pytest.raises(MlError, match="must be below ml_churn_high_risk_probability"):
        settings({**META, "medium_risk_probability": "0.3"})
    with pytest.raises(MlError, match="churn_settings seed"):
        settings({**META, "seed": "x"})
    with pytest.raises(MlError, match="need meta churn_settings"):
        settings(None)


def test_backtest_scores_carry_the_features_columns_and_a_tier_by_the_thresholds(run, features):
    scores = backtest_scores(run, features, 0.25, 0.1)
    assert not scores.duplicated(["customer_id", "observation_date", "model_name"]).any()
    assert scores["is_selected_model"].groupby(scores["model_name"]).all().sum() == 1
    model = scores[scores["prediction_method"] == "model"]
    assert len(model) > 100
    expected = np.where(model["churn_probability"] >= 0.25, "high",
                        np.where(model["churn_probability"] >= 0.1, "medium", "low"))
    assert (model["risk_tier"].to_numpy() == expected).all()
    assert scores.loc[scores["is_cancel_pending"], "risk_tier"].eq("cancelling").all()
    assert scores.loc[scores["prediction_method"].str.startswith("fallback"), "risk_tier"].isna().all()
    # plan group, MRR and health score are the features table's
    merged = scores.merge(features, on=["customer_id", "observation_date"], suffixes=("", "_f"))
    assert len(merged) == len(scores)
    assert (merged["mrr_amount"] == merged["mrr_amount_f"]).all()


def test_the_evaluation_names_the_selection_and_the_fold_scheme(run):
    ev = model_evaluation(run)
    assert ev["is_selected_model"].eq(ev["model_name"] == run.selected_model).all()
    assert ev["fold_scheme"].str.startswith("time-based folds on observation_date").all()
    assert set(ev["row_group"]) >= {"headline", "known_outcome", "plan_group=monthly", "plan_group=term"}
    assert ev["compare_name"].eq("health_score").all()


def test_todays_predictions_tier_arr_at_risk_and_fallback_by_the_band(run, features):
    today = features[features["is_latest_observation"]]
    bands = pd.DataFrame({"customer_id": today["customer_id"], "health_band": "red"})
    scored_at = datetime(2025, 1, 1, 6, 0)
    out = predictions(run, features, bands, 0.25, 0.1, scored_at=scored_at)
    assert len(out) == len(today) and out["customer_id"].is_unique
    assert np.allclose(out["arr_at_risk_amount"], out["arr_amount"] * out["churn_probability"])
    assert out.loc[out["is_cancel_pending"], "risk_tier"].eq("cancelling").all()
    scored = out[out["prediction_method"] == "model"]
    assert len(scored) and scored["driver_1"].notna().any()
    assert not scored[["driver_1", "driver_2", "driver_3"]].isin(["is_term_plan"]).any().any()
    assert (out["scored_at"] == scored_at).all()
    # a model that cannot learn (no history): the base rate, and the tier from the health band
    young = features[pd.to_datetime(features["observation_date"]) >= pd.to_datetime(features["observation_date"]).max()
                     - pd.Timedelta(days=40)]
    young_run = churn_run(young, ChurnConfig(min_train_dates=2, models=("logistic",), split_by="is_term_plan"))
    fallback = predictions(young_run, young, bands, 0.25, 0.1)
    rows = fallback[~fallback["is_cancel_pending"]]
    assert rows["prediction_method"].str.startswith("fallback").all()
    assert rows["risk_tier"].eq("high").all()  # every band red
