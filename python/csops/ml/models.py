"""The two churn models, their feature preparation and their calibration (see csops.ml for the method)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .config import ENSEMBLE_MEMBERS, ChurnConfig

MISSING_CATEGORY = "(missing)"
PROB_CLIP = 1e-6  # calibrated probabilities stay inside [1e-6, 1 - 1e-6]


@dataclass(frozen=True)
class FeatureSpec:
    """The model features, split by kind, in the table's column order."""

    columns: tuple[str, ...]
    categorical: frozenset[str] = field(default_factory=frozenset)

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.categorical]

    @property
    def categorical_columns(self) -> list[str]:
        return [c for c in self.columns if c in self.categorical]


def prepare_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Numeric features as float64 (booleans 0/1, missing and infinite NaN), categoricals as text with
    '(missing)'."""
    out = {}
    for c in spec.columns:
        s = frame[c]
        if c in spec.categorical:
            text = s.astype(object).where(s.notna(), MISSING_CATEGORY)
            out[c] = text.map(str).to_numpy(dtype=object)
        else:
            if s.dtype == object:  # True/False/None (see pipeline._object_booleans), or numbers as objects
                s = s.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
            elif s.dtype == bool or str(s.dtype) == "boolean":
                s = s.astype("Float64")
            values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan, copy=True)
            values[np.isinf(values)] = np.nan  # an infinite ratio is as unknown as a missing one
            out[c] = values
    return pd.DataFrame(out, index=frame.index, columns=list(spec.columns))


def reference_values(X: pd.DataFrame, spec: FeatureSpec) -> dict:
    """Each feature's training reference for the drivers: median of a numeric, most frequent category
    (first in sort order among ties) of a categorical."""
    ref = {}
    for c in spec.columns:
        if c in spec.categorical:
            counts = X[c].value_counts()
            top = counts[counts == counts.max()].index if len(counts) else []
            ref[c] = sorted(top)[0] if len(top) else MISSING_CATEGORY
        else:
            values = X[c].to_numpy(dtype=float)
            ref[c] = float(np.nanmedian(values)) if np.isfinite(values).any() else np.nan
    return ref


class TopCategories(TransformerMixin, BaseEstimator):
    """Categorical text -> integer codes: the max_categories - 1 most frequent training values (ties in
    value order) get 0.., every other value - rarer, or unseen in training - the last code. pandas
    counts and maps (sklearn's own encoders count object arrays item by item: seconds on 200k rows)."""

    def __init__(self, max_categories: int = 50):
        self.max_categories = max_categories

    def fit(self, X, y=None):
        frame = pd.DataFrame(X)
        self.codes_ = []
        for c in frame.columns:
            counts = frame[c].value_counts()
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[: self.max_categories - 1]
            self.codes_.append({value: code for code, (value, _) in enumerate(ranked)})
        return self

    def transform(self, X):
        frame = pd.DataFrame(X)
        out = np.empty(frame.shape, dtype=float)
        for j, (c, codes) in enumerate(zip(frame.columns, self.codes_, strict=True)):
            out[:, j] = frame[c].map(codes).fillna(len(codes)).to_numpy(dtype=float)
        return out


def _logistic(spec: FeatureSpec, config: ChurnConfig, X_fit: pd.DataFrame, y_fit: np.ndarray) -> Pipeline:
    parts = []
    if spec.numeric_columns:
        parts.append(("num", Pipeline([
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]), spec.numeric_columns))
    if spec.categorical_columns:
        parts.append(("cat", Pipeline([
            ("top", TopCategories(config.max_categories)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), spec.categorical_columns))
    return Pipeline([
        ("prepare", ColumnTransformer(parts)),
        ("model", LogisticRegression(C=config.logistic_c, solver="lbfgs", max_iter=1000)),
    ])


def gb_leaf_nodes(config: ChurnConfig, y_fit: np.ndarray) -> int:
    """The most leaves a tree of a gradient-boosting fit on labels y_fit may have: one per
    config.gb_churners_per_leaf churners among them, at least 2 and at most config.gb_max_leaf_nodes
    (always gb_max_leaf_nodes when gb_churners_per_leaf is None). A tree of L leaves can model
    interactions of up to L - 1 features; a few hundred churners cannot tell a real interaction from
    noise, so a small training set gets shallow, nearly additive trees (a stump per iteration: an
    additive model on the log-odds), and a large one the full trees."""
    if config.gb_churners_per_leaf is None:
        return config.gb_max_leaf_nodes
    churners = int(np.sum(np.asarray(y_fit) == 1))
    return int(min(config.gb_max_leaf_nodes, max(2, churners // config.gb_churners_per_leaf)))


def _gradient_boosting(spec: FeatureSpec, config: ChurnConfig, X_fit: pd.DataFrame, y_fit: np.ndarray) -> Pipeline:
    parts = []
    if spec.categorical_columns:
        parts.append(("cat", TopCategories(config.max_categories), spec.categorical_columns))
    # a number with fewer than two distinct values in the fit rows (a system switched off, a measure
    # not collected yet) cannot split a tree, and the binning refuses it: left out of this fit
    numeric = [c for c in spec.numeric_columns if X_fit[c].nunique(dropna=True) >= 2]
    if numeric:
        parts.append(("num", "passthrough", numeric))
    n_cat = len(spec.categorical_columns)
    mask = [True] * n_cat + [False] * len(numeric)
    return Pipeline([
        ("prepare", ColumnTransformer(parts)),
        ("model", HistGradientBoostingClassifier(
            max_iter=config.gb_max_iter, learning_rate=config.gb_learning_rate,
            max_leaf_nodes=gb_leaf_nodes(config, y_fit), min_samples_leaf=config.gb_min_samples_leaf,
            l2_regularization=config.gb_l2_regularization, early_stopping=False,
            categorical_features=mask if n_cat else None, random_state=config.seed)),
    ])


class SplitModel:
    """One model per value of a feature (config.split_by), for populations that churn by different
    rules - e.g. monthly plans (any month) and annual ones (only at a term end): a single model spends
    its few churners on telling them apart. A value with at least config.min_split_churners churners
    (and as many non-churners) in the fit rows gets its own model; rows of any other value, or of a
    value never seen in training, are scored by one model fit on every row (fit only when needed)."""

    def __init__(self, build, column: str, min_churners: int):
        self.build, self.column, self.min_churners = build, column, min_churners

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> SplitModel:
        key = X[self.column].astype(str).to_numpy()
        self.parts_, self.rows_ = {}, {}
        for value in np.unique(key):
            rows = key == value
            churners = int(y[rows].sum())
            if min(churners, int(rows.sum()) - churners) >= self.min_churners:
                self.parts_[value] = self.build(X[rows], y[rows]).fit(X[rows], y[rows])
                self.rows_[value] = int(rows.sum())
        covered = np.isin(key, list(self.parts_))
        self.pooled_ = self.build(X, y).fit(X, y) if not covered.all() or not self.parts_ else None
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        key = X[self.column].astype(str).to_numpy()
        out = np.zeros((len(X), 2))
        rest = np.ones(len(X), bool)
        for value, part in self.parts_.items():
            rows = key == value
            if rows.any():
                out[rows] = part.predict_proba(X[rows])
                rest &= ~rows
        if rest.any():
            # a value without a model of its own: the pooled model, or (all values had one in training)
            # the model of the value with the most rows
            fallback = self.pooled_ if self.pooled_ is not None else self.parts_[
                max(self.rows_, key=self.rows_.get)]
            out[rest] = fallback.predict_proba(X[rest])
        return out


_BASE_BUILDERS = {"logistic": _logistic, "gradient_boosting": _gradient_boosting}


def _builder(name: str):
    def build(spec: FeatureSpec, config: ChurnConfig, X_fit: pd.DataFrame, y_fit: np.ndarray):
        if config.split_by is None:
            return _BASE_BUILDERS[name](spec, config, X_fit, y_fit)
        # each value's model is built for its own rows and labels (its own churners set its trees' size)
        return SplitModel(lambda X, y: _BASE_BUILDERS[name](spec, config, X, y), config.split_by,
                          config.min_split_churners)
    return build


BUILDERS = {name: _builder(name) for name in _BASE_BUILDERS}


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, PROB_CLIP, 1 - PROB_CLIP)
    return np.log(q / (1 - q)).reshape(-1, 1)


@dataclass
class Calibrator:
    """Maps a model's raw probability to a calibrated one: Platt (sigmoid on the raw logit) or isotonic."""

    method: str
    sigmoid: LogisticRegression | None = None
    isotonic: IsotonicRegression | None = None

    @classmethod
    def fit(cls, method: str, raw: np.ndarray, y: np.ndarray) -> Calibrator:
        if method == "sigmoid":
            return cls(method, sigmoid=LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(_logit(raw), y))
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
        return cls(method, isotonic=iso.fit(raw, y))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if self.sigmoid is not None:
            return self.sigmoid.predict_proba(_logit(raw))[:, 1]
        return self.isotonic.predict(raw)


@dataclass
class FittedModel:
    """One trained model: the estimator, its calibrator (None: uncalibrated, `calibration` says why).
    With config.split_by, one calibrator per value of that feature (`by_value`) where the value has
    churners and non-churners among the calibration rows, the overall one for the other values."""

    name: str
    estimator: Pipeline
    calibrator: Calibrator | None
    calibration: str  # 'sigmoid on N rows of D dates' / 'none: <why>'
    split_by: str | None = None
    by_value: dict = field(default_factory=dict)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        raw = self.estimator.predict_proba(X)[:, 1]
        p = self.calibrator.apply(raw) if self.calibrator is not None else raw
        if self.by_value:
            key = X[self.split_by].astype(str).to_numpy()
            for value, calibrator in self.by_value.items():
                rows = key == value
                if rows.any():
                    p[rows] = calibrator.apply(raw[rows])
        return np.clip(p, PROB_CLIP, 1 - PROB_CLIP)


def fit_model(name: str, spec: FeatureSpec, config: ChurnConfig, X_fit: pd.DataFrame, y_fit: np.ndarray,
              groups: np.ndarray | None, calibration_note: str) -> FittedModel:
    """Fit `name` on the fit rows; with cross-fitting groups, also its calibrator on the out-of-fold raw
    probabilities of each group (a model fit on the other groups), none when groups is None."""
    y = y_fit.astype(int)
    estimator = BUILDERS[name](spec, config, X_fit, y).fit(X_fit, y)
    if groups is None or config.calibration == "none":
        return FittedModel(name, estimator, None, calibration_note)
    raw = np.empty(len(y))
    for g in np.unique(groups):
        inside = groups == g
        part = BUILDERS[name](spec, config, X_fit[~inside], y[~inside]).fit(X_fit[~inside], y[~inside])
        raw[inside] = part.predict_proba(X_fit[inside])[:, 1]
    by_value = {}
    if config.split_by is not None:
        # the split's populations differ (e.g. 8% vs 1.5% churn): one calibrator each keeps their
        # probabilities comparable across folds
        key = X_fit[config.split_by].astype(str).to_numpy()
        for value in np.unique(key):
            rows = key == value
            churners = int(y[rows].sum())
            if min(churners, int(rows.sum()) - churners) >= config.min_calibration_churners:
                by_value[value] = Calibrator.fit(config.calibration, raw[rows], y[rows])
    return FittedModel(name, estimator, Calibrator.fit(config.calibration, raw, y), calibration_note,
                       config.split_by, by_value)


@dataclass
class EnsembleModel:
    """The mean of its members' calibrated probabilities (each calibrated on its own, as in fit_model).
    Two models that err differently - the logistic regression reads smooth trends, the trees read
    thresholds and interactions such as "term ends within the window" - average to better ranking and
    calibration than either (on the medium demo data: AUC +0.007 over the better one)."""

    name: str
    members: list[FittedModel]
    calibration: str = "each member calibrated on its own"

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.clip(np.mean([m.predict(X) for m in self.members], axis=0), PROB_CLIP, 1 - PROB_CLIP)


def fit_models(names: tuple[str, ...], spec: FeatureSpec, config: ChurnConfig, X_fit: pd.DataFrame,
               y_fit: np.ndarray, groups: np.ndarray | None, calibration_note: str) -> dict:
    """fit_model for each name; 'ensemble' fits its members (once, shared with their own entries)."""
    base = [n for n in names if n != "ensemble"]
    if "ensemble" in names:
        base += [m for m in ENSEMBLE_MEMBERS if m not in base]
    fitted = {n: fit_model(n, spec, config, X_fit, y_fit, groups, calibration_note) for n in base}
    if "ensemble" in names:
        fitted["ensemble"] = EnsembleModel("ensemble", [fitted[m] for m in ENSEMBLE_MEMBERS])
    return {n: fitted[n] for n in names}
