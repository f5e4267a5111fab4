"""The churn pipeline's settings (`ChurnConfig`) and its one error class (`MlError`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CsopsError

MODELS = ("logistic", "gradient_boosting", "ensemble")
# the ensemble averages the calibrated probabilities of these (csops.ml.models.EnsembleModel)
ENSEMBLE_MEMBERS = ("logistic", "gradient_boosting")
CALIBRATIONS = ("sigmoid", "isotonic", "none")


class MlError(CsopsError):
    """Bad input to the churn pipeline (a missing column, a label that is not 0/1, an empty table, ...),
    said in one line that names the column."""


@dataclass(frozen=True)
class ChurnConfig:
    """How the churn pipeline splits, trains and falls back. Every default is documented in csops.ml."""

    horizon_days: int = 90  # the label window: churned within horizon_days after date + lead_days
    lead_days: int = 0  # days between the observation date and the start of the label window
    seed: int = 42
    models: tuple[str, ...] = MODELS
    # a fold (and the final model) trains only with at least this much labelled history; else it falls back
    min_train_rows: int = 100
    min_train_churners: int = 10
    min_train_dates: int = 2  # distinct observation dates among the training rows (time-based folds only)
    fold_step: int = 1  # test every fold_step-th observation date, counted back from the latest
    max_folds: int | None = None  # keep only the latest max_folds test dates (None: all)
    n_splits: int = 5  # stratified folds when there is no date column
    # probability calibration on the latest training dates (time) or a stratified share (no date)
    calibration: str = "sigmoid"
    calibration_folds: int = 2  # customer groups of the cross-fitted calibration (see pipeline._calibration_groups)
    min_calibration_churners: int = 5  # fewer churners in the calibration rows: the model stays uncalibrated
    max_train_rows: int | None = None  # sample (seeded) at most this many training rows per fit (None: all)
    logistic_c: float = 1.0  # inverse L2 regularisation strength of the logistic regression
    gb_max_iter: int = 200  # boosting iterations (no early stopping: deterministic and bounded)
    gb_learning_rate: float = 0.05
    gb_max_leaf_nodes: int = 15
    # at most one leaf per this many churners in a fit's rows (at least 2, at most gb_max_leaf_nodes): a
    # small training set gets shallow, nearly additive trees (csops.ml.models.gb_leaf_nodes); None: off
    gb_churners_per_leaf: int | None = 100
    gb_min_samples_leaf: int = 100
    gb_l2_regularization: float = 1.0
    max_categories: int = 50  # categories kept per categorical feature (the rarest are grouped)
    # threads per fit (OpenMP / BLAS); None: the library default (every core). One is the fastest on
    # shared or small machines (no thread spin-waiting) and leaves the other cores to the rest
    # one model per value of this feature (csops.ml.models.SplitModel), for values with at least
    # min_split_churners churners and non-churners in a fit; None: one model for every row
    split_by: str | None = None
    min_split_churners: int = 20
    n_threads: int | None = 1
    known_outcome_default_rate: float = 1.0  # known-outcome rows' probability before any of them has a label

    def check(self) -> None:
        """Raise MlError on a setting that cannot work."""
        for name in ("horizon_days", "lead_days", "seed", "min_train_rows", "min_train_churners", "min_train_dates",
                     "fold_step", "n_splits", "min_calibration_churners", "calibration_folds", "min_split_churners",
                     "gb_max_iter",
                     "gb_max_leaf_nodes", "gb_min_samples_leaf", "max_categories"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise MlError(f"{name} must be a whole number (got {value!r})")
        per_leaf = self.gb_churners_per_leaf
        if per_leaf is not None and (isinstance(per_leaf, bool) or not isinstance(per_leaf, int | np.integer)
                                     or per_leaf < 1):
            raise MlError(f"gb_churners_per_leaf must be a whole number of at least 1, or None "
                          f"(got {self.gb_churners_per_leaf!r})")
        if self.max_categories < 2:
            raise MlError(f"max_categories must be at least 2 (got {self.max_categories})")
        if self.horizon_days < 1:
            raise MlError(f"horizon_days must be at least 1 (got {self.horizon_days})")
        if self.lead_days < 0:
            raise MlError(f"lead_days must be 0 or more (got {self.lead_days})")
        unknown = [m for m in self.models if m not in MODELS]
        if not self.models or unknown:
            got = ", ".join(self.models) or "none"
            raise MlError(f"models must name one or more of {', '.join(MODELS)} (got {got})")
        if len(set(self.models)) != len(self.models):
            raise MlError(f"models names a model twice: {', '.join(self.models)}")
        if self.calibration not in CALIBRATIONS:
            raise MlError(f"calibration must be one of {', '.join(CALIBRATIONS)} (got {self.calibration!r})")
        if self.fold_step < 1:
            raise MlError(f"fold_step must be at least 1 (got {self.fold_step})")
        if self.max_folds is not None and self.max_folds < 1:
            raise MlError(f"max_folds must be at least 1 or None (got {self.max_folds})")
        if self.n_splits < 2:
            raise MlError(f"n_splits must be at least 2 (got {self.n_splits})")
        if self.calibration_folds < 2:
            raise MlError(f"calibration_folds must be at least 2 (got {self.calibration_folds})")
        if min(self.min_train_rows, self.min_train_churners, self.min_train_dates) < 1:
            raise MlError("min_train_rows, min_train_churners and min_train_dates must be at least 1")
        if self.max_train_rows is not None and self.max_train_rows < self.min_train_rows:
            raise MlError(f"max_train_rows ({self.max_train_rows}) is below min_train_rows ({self.min_train_rows})")
        if self.n_threads is not None and self.n_threads < 1:
            raise MlError(f"n_threads must be at least 1 or None (got {self.n_threads})")
        if not 0 <= self.known_outcome_default_rate <= 1:
            raise MlError(f"known_outcome_default_rate must be a probability (got {self.known_outcome_default_rate})")


# The roles of the warehouse's marts ml_churn_features columns (models/marts/churn/), for
# run_churn_pipeline(frame, **ML_CHURN_FEATURES_ROLES, config=...): every other column is a feature.
ML_CHURN_FEATURES_ROLES = {
    "id_col": "customer_id",
    "label_col": "churned_in_window",
    "date_col": "observation_date",
    # keys and outcomes, never features: churn_date and is_label_known know the future; arr_amount is
    # mrr_amount * 12 (MRR itself is a feature: small accounts churn more)
    "exclude_cols": ("is_latest_observation", "churn_date", "is_label_known", "arr_amount"),
    "known_outcome_col": "is_cancel_pending",
    "group_col": "plan_group",
    "compare_cols": {"health_score": -1},
}
