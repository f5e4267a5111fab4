"""The warehouse's own churn models: how the dbt Python models in models/marts/churn call csops.ml.

    ml_churn_features (SQL)  ->  ml_churn_backtest_scores  ->  ml_churn_model_evaluation
                                                           ->  ml_churn_predictions

All three models run the same pipeline on the same table (`churn_run`): the out-of-time backtest
(csops.ml.run_churn_pipeline) on every observation date, then the selected model refit on every
labelled row for today's scores. The run is computed once per process and table content
(csops.ml.cached_churn_run): the first model that asks computes it, the next ones (dbt runs them in the
same process, after it) reuse it; a model built alone gets the same result, only slower.

The column roles are csops.ml.ML_CHURN_FEATURES_ROLES: the keys, the labels (they look ahead), the
pending-cancellation flag (a known outcome), plan_group (the evaluation's split: monthly vs term plans),
health_score (the baseline the models are compared with) and arr_amount (mrr_amount * 12) are not
features; everything else is, plus is_term_plan derived here (`with_derived`).

Risk tiers (vars ml_churn_high_risk_probability, ml_churn_medium_risk_probability): high when the
90-day churn probability is at least the high threshold, medium at least the medium one, else low. A
customer whose cancellation is already requested is `cancelling` (a known outcome, not a prediction).
Before the model can learn (too little labelled history or no churner, prediction_method fallback_*),
the probability is the historical base rate, said as such, and the tier follows the health band
(red = high, yellow = medium, green = low; unscored without a band): the rule the playbooks used
before the model.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from .config import ML_CHURN_FEATURES_ROLES, ChurnConfig, MlError
from .pipeline import ChurnRun, cached_churn_run

ID, DATE, LABEL = (ML_CHURN_FEATURES_ROLES[k] for k in ("id_col", "date_col", "label_col"))
KNOWN_OUTCOME, GROUP = ML_CHURN_FEATURES_ROLES["known_outcome_col"], ML_CHURN_FEATURES_ROLES["group_col"]
COMPARE = "health_score"
# backtest rows carry these columns of ml_churn_features beside the prediction
CARRIED = (GROUP, "mrr_amount", COMPARE, "is_latest_observation")
BAND_TIERS = {"red": "high", "yellow": "medium", "green": "low"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas strings: DuckDB reads an object column holding only nulls (every row a
    fallback: no driver, no tier) as INTEGER, and a test comparing it with text then fails."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: v is None or isinstance(v, str)).all():
            out[column] = out[column].astype("string")
    return out


def settings(meta: object) -> tuple[ChurnConfig, float, float]:
    """(pipeline config, high threshold, medium threshold) from the churn models' `churn_settings` meta
    (models/marts/churn/_churn__ml.yml passes the vars through; dbt renders them as text)."""
    if not isinstance(meta, dict):
        raise MlError("the churn models need meta churn_settings in their YAML (models/marts/churn/_churn__ml.yml)")

    def number(key: str, kind=int):
        value = meta.get(key)
        try:
            return kind(value)
        except (TypeError, ValueError) as e:
            raise MlError(f"churn_settings {key} (var ml_churn_{key}) must be a number (got {value!r})") from e

    max_folds = meta.get("max_folds")
    config = ChurnConfig(
        horizon_days=number("window_days"), lead_days=number("lead_days"), seed=number("seed"),
        fold_step=number("fold_step"), min_train_dates=number("min_train_months"),
        split_by=str(meta.get("split_by")) if meta.get("split_by") not in (None, "", "None", "none") else None,
        min_split_churners=10,
        max_folds=None if max_folds in (None, "", "None", "none") else number("max_folds"))
    high, medium = number("high_risk_probability", float), number("medium_risk_probability", float)
    if not 0 < medium < high < 1:
        raise MlError(f"var ml_churn_medium_risk_probability ({medium}) must be below "
                      f"ml_churn_high_risk_probability ({high}), both between 0 and 1")
    return config, high, medium


def with_derived(features: pd.DataFrame) -> pd.DataFrame:
    """ml_churn_features plus the features derived here: is_term_plan (plan_group = 'term'; the default
    split_by - monthly plans can churn any month, term plans only at a term end)."""
    return features.assign(is_term_plan=features[GROUP].eq("term"))


def churn_run(features: pd.DataFrame, config: ChurnConfig) -> ChurnRun:
    """The pipeline's run on ml_churn_features (one per table content and config in this process)."""
    features = with_derived(features).sort_values([DATE, ID], kind="stable").reset_index(drop=True)
    return cached_churn_run(features, **ML_CHURN_FEATURES_ROLES, config=config)


def risk_tiers(p: np.ndarray, method: np.ndarray, high: float, medium: float) -> np.ndarray:
    """high / medium / low by the thresholds for model rows, cancelling for known outcomes, None for
    fallbacks (the caller decides: ml_churn_predictions uses the health band, the signals the band rule)."""
    p = np.asarray(p, dtype=float)
    method = np.asarray(method).astype(str)
    tier = np.where(p >= high, "high", np.where(p >= medium, "medium", "low")).astype(object)
    tier[method == "known_outcome"] = "cancelling"
    tier[np.char.startswith(method, "fallback")] = None
    return tier


def backtest_scores(run: ChurnRun, features: pd.DataFrame, high: float, medium: float) -> pd.DataFrame:
    """ml_churn_backtest_scores: every out-of-time prediction (model x test date x customer)."""
    oot = run.out_of_time_predictions.rename(columns={"is_known_outcome": KNOWN_OUTCOME})
    oot["risk_tier"] = risk_tiers(oot["churn_probability"], oot["prediction_method"], high, medium)
    carried = features[[ID, DATE, *CARRIED]].copy()
    carried[DATE] = pd.to_datetime(carried[DATE])
    out = oot.merge(carried, on=[ID, DATE], how="left", validate="many_to_one")
    out[DATE] = out[DATE].dt.date
    out[LABEL] = out[LABEL].astype("Int64")
    columns = [ID, DATE, "model_name", "fold", "churn_probability", LABEL, KNOWN_OUTCOME, GROUP, "mrr_amount",
               COMPARE, "is_latest_observation", "prediction_method", "fallback_reason", "risk_tier",
               "is_selected_model"]
    return _typed(out[columns].sort_values([DATE, "model_name", ID], kind="stable").reset_index(drop=True))


def model_evaluation(run: ChurnRun) -> pd.DataFrame:
    """ml_churn_model_evaluation: the pipeline's evaluation rows, the selection and the fold scheme."""
    ev = run.evaluation.copy()
    for c in ("test_date_start", "test_date_end", "train_date_end"):
        ev[c] = pd.to_datetime(ev[c]).dt.date
    ev["is_selected_model"] = ev["model_name"] == run.selected_model
    ev["selection_rule"] = run.selection_rule
    ev["fold_scheme"] = run.fold_scheme
    ev["compare_name"] = ev["compare_name"].fillna(COMPARE)
    return _typed(ev.reset_index(drop=True))


def predictions(run: ChurnRun, features: pd.DataFrame, bands: pd.DataFrame, high: float, medium: float,
                scored_at: datetime | None = None) -> pd.DataFrame:
    """ml_churn_predictions: today's paying customers (is_latest_observation) scored by the selected model.
    `bands`: customer_id, health_band today (for the tier of fallback rows)."""
    today = features[features["is_latest_observation"].fillna(False).astype(bool)].reset_index(drop=True)
    scored = run.predict(with_derived(today))
    out = pd.concat([today[[ID, DATE, KNOWN_OUTCOME, GROUP, "mrr_amount", "arr_amount", COMPARE]],
                     scored.drop(columns=[ID])], axis=1)
    out = out.merge(bands[[ID, "health_band"]].drop_duplicates(ID), on=ID, how="left")
    tier = risk_tiers(out["churn_probability"], out["prediction_method"], high, medium)
    fallback = out["prediction_method"].astype(str).str.startswith("fallback").to_numpy()
    tier[fallback] = out.loc[fallback, "health_band"].map(BAND_TIERS).fillna("unscored").to_numpy()
    out["risk_tier"] = tier
    out["arr_at_risk_amount"] = out["arr_amount"] * out["churn_probability"]
    out["scored_at"] = scored_at or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    out = out.rename(columns={DATE: "scored_for_date"})
    out["scored_for_date"] = pd.to_datetime(out["scored_for_date"]).dt.date
    for c in ("training_window_start", "training_window_end"):
        out[c] = pd.to_datetime(out[c]).dt.date
    return _typed(out.drop(columns=["health_band"]).sort_values(ID, kind="stable").reset_index(drop=True))
