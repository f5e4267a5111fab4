"""run_churn_pipeline: validate a customer table, backtest the models out of time, pick one, score."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from . import metrics
from .config import ChurnConfig, MlError
from .drivers import driver_columns, occlusion_effects, top_drivers
from .models import FeatureSpec, FittedModel, fit_models, prepare_features, reference_values

EVALUATION_COLUMNS = [
    "model_name", "fold", "test_date_start", "test_date_end", "train_date_end", "row_group", "rows", "churners",
    "base_rate", "auc", "pr_auc", "top_decile_lift", "brier", "brier_skill", "log_loss", "calibration_bins",
    "compare_name", "compare_auc", "compare_rows", "status", "reason", "train_rows", "train_base_rate",
    "calibration",
]
FOLD_COLUMNS = [
    "fold", "test_date", "train_date_start", "train_date_end", "train_rows", "train_churners", "train_dates",
    "train_base_rate", "fit_rows", "calibration_rows", "calibration", "test_rows", "test_labelled_rows",
    "status", "reason", "seconds", "cpu_seconds",
]
MODEL_STATUSES = ("ok", "one_class_test", "no_labels_yet")  # a fold whose models were trained
POOLED = "all"


# ----------------------------------------------------------------------------------------------- input


@dataclass
class Table:
    """The validated input, sorted by (date, id): arrays the folds index into."""

    ids: np.ndarray
    dates: np.ndarray | None  # datetime64[D]
    y: np.ndarray  # float: 0, 1 or NaN (label not known yet)
    known: np.ndarray  # bool: a known outcome (never trained on, predicted by its empirical rate)
    X: pd.DataFrame
    groups: np.ndarray | None
    compare: dict[str, np.ndarray]  # name -> risk (sign already applied; NaN where missing)
    fallback: np.ndarray | None

    @property
    def labelled(self) -> np.ndarray:
        return ~np.isnan(self.y)


def _require(frame: pd.DataFrame, column: str | None, role: str) -> None:
    if column is not None and column not in frame.columns:
        raise MlError(f"{role} column {column!r} is not in the table (columns: {', '.join(map(str, frame.columns))})")


def _labels(series: pd.Series, name: str) -> np.ndarray:
    if series.dtype == bool or str(series.dtype) == "boolean":
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    values = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & ~values.isin([0, 1])
    if bad.any():
        example = series.to_numpy()[bad.to_numpy()][0]
        raise MlError(f"label column {name!r} must be 0, 1 or null; {int(bad.sum())} row(s) are not, e.g. {example!r}")
    return values.astype("float64").to_numpy()


def _flags(series: pd.Series, name: str) -> np.ndarray:
    if series.dtype == bool:
        return series.to_numpy()
    text = series.astype(object).where(series.notna(), None).map(
        lambda v: None if v is None else str(v).strip().lower())
    mapping = {"true": True, "1": True, "1.0": True, "t": True, "yes": True,
               "false": False, "0": False, "0.0": False, "f": False, "no": False, None: False}
    bad = ~text.isin(list(mapping))
    if bad.any():
        raise MlError(f"known-outcome column {name!r} must be true/false (or 1/0); "
                      f"{int(bad.sum())} row(s) are not, e.g. {series.to_numpy()[bad.to_numpy()][0]!r}")
    return text.map(mapping).to_numpy(dtype=bool)


def _dates(series: pd.Series, name: str) -> np.ndarray:
    if series.isna().any():
        raise MlError(f"date column {name!r} has {int(series.isna().sum())} empty value(s)")
    try:
        parsed = pd.to_datetime(series, errors="raise", format="mixed") if not pd.api.types.is_datetime64_any_dtype(
            series) else series
    except (ValueError, TypeError) as e:
        bad = pd.to_datetime(series, errors="coerce", format="mixed").isna()
        example = series.to_numpy()[bad.to_numpy()][0] if bad.any() else series.iloc[0]
        raise MlError(f"date column {name!r} has values that are not dates, e.g. {example!r}") from e
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed.dt.floor("D").to_numpy(dtype="datetime64[D]")


def _object_booleans(s: pd.Series) -> bool:
    """True/False/None in an object column (a nullable boolean as some readers give it): numeric 0/1."""
    values = s.dropna()
    return s.dtype == object and len(values) > 0 and values.map(lambda v: isinstance(v, bool | np.bool_)).all()


def feature_spec(frame: pd.DataFrame, columns: list[str]) -> FeatureSpec:
    categorical = set()
    for c in columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            raise MlError(f"feature column {c!r} holds dates; exclude it (exclude_cols) or turn it into a number "
                          "(e.g. days since the observation date)")
        if s.dtype == bool or str(s.dtype) == "boolean" or pd.api.types.is_numeric_dtype(s) or _object_booleans(s):
            continue
        categorical.add(c)
    return FeatureSpec(tuple(columns), frozenset(categorical))


def load_table(frame: pd.DataFrame, *, id_col: str, label_col: str, date_col: str | None,
               feature_cols, exclude_cols, known_outcome_col: str | None, group_col: str | None,
               compare_cols: dict[str, int] | None, fallback_col: str | None) -> tuple[Table, FeatureSpec, str]:
    """Check the table and turn it into arrays; MlError (one line naming the column) on bad input."""
    if not isinstance(frame, pd.DataFrame):
        raise MlError(f"the customer table must be a pandas DataFrame (got {type(frame).__name__})")
    if frame.columns.duplicated().any():
        raise MlError(f"column {frame.columns[frame.columns.duplicated()][0]!r} appears twice in the table")
    _require(frame, id_col, "id")
    _require(frame, label_col, "label")
    _require(frame, date_col, "date")
    _require(frame, known_outcome_col, "known-outcome")
    _require(frame, group_col, "group")
    _require(frame, fallback_col, "fallback")
    compare_cols = dict(compare_cols or {})
    for c, sign in compare_cols.items():
        _require(frame, c, "compare")
        if sign not in (1, -1):
            raise MlError(f"compare column {c!r} needs sign 1 (higher is riskier) or -1 (lower is riskier), "
                          f"got {sign!r}")
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise MlError(f"compare column {c!r} must be numeric (got {frame[c].dtype})")
    exclude_cols = [exclude_cols] if isinstance(exclude_cols, str) else list(exclude_cols or ())
    if isinstance(feature_cols, str):
        feature_cols = [feature_cols]
    for c in exclude_cols:
        _require(frame, c, "excluded")
    if len(frame) == 0:
        raise MlError("the customer table is empty (no rows)")

    roles = {id_col, label_col, date_col, known_outcome_col, group_col, fallback_col, *compare_cols, *exclude_cols}
    if feature_cols is None:
        feature_cols = [c for c in frame.columns if c not in roles]
    else:
        feature_cols = list(feature_cols)
        for c in feature_cols:
            _require(frame, c, "feature")
        clash = [c for c in feature_cols if c in {id_col, label_col, date_col, known_outcome_col}]
        if clash:
            raise MlError(f"column {clash[0]!r} cannot be a feature: it is the id, label, date or known-outcome column")
    if not feature_cols:
        raise MlError("no feature columns left: every column is the id, label, date, excluded or another role")
    spec = feature_spec(frame, feature_cols)

    y = _labels(frame[label_col], label_col)
    if frame[id_col].isna().any():
        raise MlError(f"id column {id_col!r} has {int(frame[id_col].isna().sum())} empty value(s)")
    dates = _dates(frame[date_col], date_col) if date_col else None
    keys = pd.DataFrame({"id": frame[id_col].to_numpy()})
    if dates is not None:
        keys["date"] = dates
    dup = keys.duplicated()
    if dup.any():
        what = f"({id_col}, {date_col})" if date_col else id_col
        example = frame[id_col].to_numpy()[dup.to_numpy()][0]
        raise MlError(f"{int(dup.sum())} row(s) repeat a {what} key, e.g. {example!r}; "
                      "one row per customer" + (" and date" if date_col else ""))
    known = _flags(frame[known_outcome_col], known_outcome_col) if known_outcome_col else np.zeros(len(frame), bool)
    fallback = None
    if fallback_col:
        fallback = pd.to_numeric(frame[fallback_col], errors="coerce").to_numpy(dtype=float)
        bad = (fallback < 0) | (fallback > 1) | (frame[fallback_col].notna().to_numpy() & np.isnan(fallback))
        if bad.any():
            raise MlError(f"fallback column {fallback_col!r} must hold probabilities between 0 and 1, "
                          f"e.g. not {frame[fallback_col].to_numpy()[bad][0]!r}")

    # one canonical order, so the result never depends on the order of the input rows
    order_keys = [keys["date"].to_numpy()] if dates is not None else []
    order = np.lexsort((keys["id"].astype(str).to_numpy(), *order_keys))
    rows = frame.iloc[order]
    X = prepare_features(rows, spec).reset_index(drop=True)
    groups = None
    if group_col:
        g = rows[group_col]
        groups = g.astype(object).where(g.notna(), "null").map(str).to_numpy(dtype=object)
    compare = {c: sign * pd.to_numeric(rows[c], errors="coerce").to_numpy(dtype=float)
               for c, sign in compare_cols.items()}
    table = Table(ids=rows[id_col].to_numpy(), dates=dates[order] if dates is not None else None, y=y[order],
                  known=known[order], X=X, groups=groups, compare=compare,
                  fallback=fallback[order] if fallback is not None else None)
    return table, spec, label_col


# ----------------------------------------------------------------------------------------------- training


@dataclass
class TrainedSet:
    """What a fold (or the final model) trained: its rows, the models, or why it fell back."""

    train_idx: np.ndarray
    fit_idx: np.ndarray
    cal_idx: np.ndarray
    status: str
    reason: str
    calibration: str
    base_rate: float | None
    known_rate: float
    known_reason: str | None
    models: dict[str, FittedModel] = field(default_factory=dict)
    reference: dict = field(default_factory=dict)
    known_idx: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))


def _history_problem(table: Table, idx: np.ndarray, config: ChurnConfig, with_dates: bool) -> tuple[str, str] | None:
    rows = len(idx)
    churners = int(table.y[idx].sum()) if rows else 0
    n_dates = len(np.unique(table.dates[idx])) if with_dates and rows else None
    if rows == 0:
        return "not_enough_history", "no labelled row whose label window has closed"
    if rows < config.min_train_rows:
        return "not_enough_history", f"{rows} training rows < min_train_rows {config.min_train_rows}"
    if with_dates and n_dates < config.min_train_dates:
        return "not_enough_history", f"{n_dates} training dates < min_train_dates {config.min_train_dates}"
    if churners == 0:
        return "no_churners", f"no churner among {rows} training rows"
    if churners < config.min_train_churners:
        return "no_churners", f"{churners} churners among {rows} training rows < min_train_churners " \
                              f"{config.min_train_churners}"
    if churners == rows:
        return "no_non_churners", f"every one of {rows} training rows churned"
    return None


def _sample(idx: np.ndarray, config: ChurnConfig, salt: int) -> np.ndarray:
    if config.max_train_rows is None or len(idx) <= config.max_train_rows:
        return idx
    rng = np.random.default_rng([config.seed, salt])
    return np.sort(rng.choice(idx, size=config.max_train_rows, replace=False))


def _calibration_groups(table: Table, fit_idx: np.ndarray, config: ChurnConfig,
                        salt: int) -> tuple[np.ndarray | None, str]:
    """(cross-fitting group of every fit row, or None; description). The fit rows' customers are dealt
    (seeded) to calibration_folds groups; each group's raw probabilities come from a model fit on the
    other groups, and the calibrator is fit on those out-of-fold probabilities, while the model itself
    is fit on every row. The calibrator sees only training rows (their label windows closed by the test
    date), so the gap rule holds; grouping by customer keeps one customer's months on one side. (A
    time holdout - calibrating on the latest training dates - had to drop every fit row whose window
    reached into them: half the training rows on two years of data, and a weaker model.)"""
    if config.calibration == "none":
        return None, "none: calibration switched off"
    y = table.y[fit_idx]
    ids, inverse = np.unique(table.ids[fit_idx].astype(str), return_inverse=True)
    rng = np.random.default_rng([config.seed, salt, 1])
    groups = (rng.permutation(len(ids)) % config.calibration_folds)[inverse]
    for g in range(config.calibration_folds):
        outside = fit_idx[groups != g]
        problem = _history_problem(table, outside, config, table.dates is not None)
        churners = int(y[groups == g].sum())
        if problem is not None or churners < 1 or churners == int((groups == g).sum()):
            why = problem[1] if problem is not None else f"{churners} churners among {(groups == g).sum()} rows"
            return None, (f"none: cross-fitting on {config.calibration_folds} customer groups leaves too little "
                          f"({why})")
    if int(y.sum()) < config.min_calibration_churners:
        return None, (f"none: {int(y.sum())} churners among {len(fit_idx)} training rows; "
                      f"min_calibration_churners {config.min_calibration_churners}")
    return groups, (f"{config.calibration} on out-of-fold probabilities of {config.calibration_folds} customer "
                    f"groups ({len(fit_idx)} rows), model fit on all of them")


def train(table: Table, train_idx: np.ndarray, known_idx: np.ndarray, spec: FeatureSpec, config: ChurnConfig,
          salt: int, what: str, models: tuple[str, ...] | None = None) -> TrainedSet:
    """Train `models` (default: config.models) on train_idx (or say why not); known_idx: labelled
    known-outcome history."""
    base_rate = float(table.y[train_idx].mean()) if len(train_idx) else None
    if len(known_idx):
        known_rate, known_reason = float(table.y[known_idx].mean()), None
    else:
        known_rate = config.known_outcome_default_rate
        known_reason = (f"no labelled known-outcome row {what}: known_outcome_default_rate "
                        f"{config.known_outcome_default_rate}")
    problem = _history_problem(table, train_idx, config, table.dates is not None)
    empty = np.array([], dtype=int)
    if problem is not None:
        return TrainedSet(train_idx, empty, empty, problem[0], problem[1], "none: no model trained", base_rate,
                          known_rate, known_reason, known_idx=known_idx)
    fit_idx = _sample(train_idx, config, salt)
    groups, note = _calibration_groups(table, fit_idx, config, salt)
    X_fit, y_fit = table.X.iloc[fit_idx], table.y[fit_idx]
    cal_idx = fit_idx if groups is not None else None
    fitted = fit_models(tuple(models or config.models), spec, config, X_fit, y_fit, groups, note)
    return TrainedSet(train_idx, fit_idx, cal_idx if cal_idx is not None else empty, "ok", "", note, base_rate,
                      known_rate, known_reason, fitted, reference_values(table.X.iloc[train_idx], spec), known_idx)


def predict_rows(trained: TrainedSet, table_X: pd.DataFrame, known: np.ndarray, fallback: np.ndarray | None,
                 model_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probability, prediction_method, fallback_reason) of rows X under one model of a trained set."""
    n = len(table_X)
    p = np.full(n, np.nan)
    method = np.full(n, "model", dtype=object)
    reason = np.full(n, None, dtype=object)
    if trained.models:
        p[:] = trained.models[model_name].predict(table_X) if n else p
    else:
        why = f"{trained.status}: {trained.reason}"
        scored = ~np.isnan(fallback) if fallback is not None else np.zeros(n, bool)
        if fallback is not None:
            p[scored] = fallback[scored]
        method[scored] = "fallback_scores"
        reason[scored] = f"{why}; scored by the fallback column"
        rest = ~scored
        if trained.base_rate is not None:
            p[rest] = trained.base_rate
            method[rest] = "fallback_base_rate"
            reason[rest] = f"{why}; the base rate {trained.base_rate:.4f} of {len(trained.train_idx)} labelled rows"
        else:
            method[rest] = "fallback_none"
            reason[rest] = f"{why}; no labelled history at all, no probability"
    p[known] = trained.known_rate
    method[known] = "known_outcome"
    reason[known] = trained.known_reason
    return p, method, reason


# ----------------------------------------------------------------------------------------------- folds


@dataclass
class Fold:
    label: str
    test_idx: np.ndarray
    train_idx: np.ndarray
    known_idx: np.ndarray
    test_date: np.datetime64 | None = None


def time_folds(table: Table, config: ChurnConfig) -> list[Fold]:
    """One fold per test date (every fold_step-th date counted back from the latest, at most max_folds):
    train on labelled, not-known-outcome rows whose label window closes on or before the test date."""
    unique = np.unique(table.dates)
    tests = unique[::-1][::config.fold_step][::-1]
    if config.max_folds is not None:
        tests = tests[-config.max_folds:]
    closes = table.dates + np.timedelta64(config.lead_days + config.horizon_days, "D")
    history = table.labelled
    folds = []
    width = len(str(len(tests)))
    for k, t in enumerate(tests, start=1):
        closed = history & (closes <= t)
        folds.append(Fold(label=str(k).zfill(width), test_idx=np.flatnonzero(table.dates == t),
                          train_idx=np.flatnonzero(closed & ~table.known),
                          known_idx=np.flatnonzero(closed & table.known), test_date=t))
    return folds


def stratified_folds(table: Table, config: ChurnConfig) -> list[Fold]:
    """n_splits stratified folds of the labelled not-known-outcome rows (seeded); every other row (label
    unknown, known outcome) is dealt to the folds in turn, so every row gets an out-of-fold prediction."""
    learn = np.flatnonzero(table.labelled & ~table.known)
    labels = table.y[learn].astype(int)
    n_splits = min(config.n_splits, int(labels.sum()), int(len(labels) - labels.sum()))
    if n_splits < 2:
        # too few churners (or non-churners) to stratify: plain interleaved folds, which will fall back
        assign = np.arange(len(learn)) % config.n_splits
        splits = [np.flatnonzero(assign == k) for k in range(config.n_splits)]
        n_splits = config.n_splits
    else:
        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=config.seed)
        splits = [test for _, test in skf.split(np.zeros(len(learn)), labels)]
    others = np.flatnonzero(~(table.labelled & ~table.known))
    other_fold = np.arange(len(others)) % n_splits
    known_labelled = table.labelled & table.known
    folds = []
    for k, test_learn in enumerate(splits):
        test_idx = np.sort(np.r_[learn[test_learn], others[other_fold == k]])
        in_test = np.zeros(len(table.y), bool)
        in_test[test_idx] = True
        folds.append(Fold(label=str(k + 1), test_idx=test_idx,
                          train_idx=np.flatnonzero(table.labelled & ~table.known & ~in_test),
                          known_idx=np.flatnonzero(known_labelled & ~in_test)))
    return folds


# ----------------------------------------------------------------------------------------------- evaluation


def _iso(d) -> str | None:
    return None if d is None else str(np.datetime64(d, "D"))


def _metric_rows(base: dict, y: np.ndarray, p: np.ndarray, reference, table: Table, idx: np.ndarray,
                 compute: bool) -> list[dict]:
    """One evaluation row per compare column (one row without compare columns) for the rows idx."""
    row = dict(base)
    summary = metrics.summarize(y, p, reference) if compute else {
        "rows": len(y), "churners": int(np.nansum(y)), "base_rate": float(np.mean(y)) if len(y) else None}
    row.update(summary)
    if not table.compare:
        return [{**row, "compare_name": None, "compare_auc": None, "compare_rows": None}]
    out = []
    for name, risk in table.compare.items():
        r = risk[idx]
        have = ~np.isnan(r)
        out.append({**row, "compare_name": name, "compare_auc": metrics.auc(y[have], r[have]) if compute else None,
                    "compare_rows": int(have.sum())})
    return out


def _one_class(y: np.ndarray) -> str | None:
    if len(y) and y.sum() == 0:
        return "no churner among the test rows: AUC, PR-AUC and lift undefined"
    if len(y) and y.sum() == len(y):
        return "every test row churned: AUC undefined"
    return None


@dataclass
class _Scored:
    """A fold's test predictions under one model, kept for pooling."""

    idx: np.ndarray
    p: np.ndarray
    method: np.ndarray
    reference: float | None


def _group_masks(table: Table, idx: np.ndarray, group_col: str | None) -> list[tuple[str, np.ndarray]]:
    labelled = table.labelled[idx]
    known = table.known[idx]
    out = [("headline", labelled & ~known)]
    if known.any():
        out.append(("known_outcome", labelled & known))
    if table.groups is not None:
        g = table.groups[idx]
        for value in sorted(set(g[~known])):
            out.append((f"{group_col}={value}", labelled & ~known & (g == value)))
    return out


def _evaluate_fold(model: str, fold: Fold, trained: TrainedSet, scored: _Scored, table: Table, config: ChurnConfig,
                   group_col: str | None) -> list[dict]:
    idx = fold.test_idx
    closes = (None if fold.test_date is None
              else fold.test_date + np.timedelta64(config.lead_days + config.horizon_days, "D"))
    base = {"model_name": model, "fold": fold.label, "test_date_start": _iso(fold.test_date),
            "test_date_end": _iso(fold.test_date),
            "train_date_end": _iso(table.dates[trained.train_idx].max()) if table.dates is not None
            and len(trained.train_idx) else None,
            "train_rows": len(trained.train_idx), "train_base_rate": trained.base_rate,
            "calibration": trained.calibration}
    trained_note = f"trained on {len(trained.train_idx)} rows"
    if base["train_date_end"]:
        trained_note += f" up to {base['train_date_end']}"
    rows = []
    for group, mask in _group_masks(table, idx, group_col):
        sel = idx[mask]
        y, p = table.y[sel], scored.p[mask]
        if group == "known_outcome":
            status, reason = "ok", trained.known_reason or (
                f"predicted by the churn rate {trained.known_rate:.4f} of {len(fold.known_idx)} labelled "
                "known-outcome rows of the training history")
            compute = True
        elif trained.status != "ok":
            status, reason, compute = trained.status, trained.reason + "; predictions fall back", False
        else:
            status, reason, compute = "ok", trained_note, True
        if compute and len(sel) == 0:
            compute = False
            status = "no_labels_yet"
            reason = ("no labelled test row" if closes is None else
                      f"labels of {_iso(fold.test_date)} are not known yet (the window closes {_iso(closes)})")
        elif compute and _one_class(y):
            status, reason = "one_class_test", f"{reason}; {_one_class(y)}" if reason else _one_class(y)
        reference = trained.base_rate if trained.base_rate is not None else np.nan
        rows += _metric_rows({**base, "row_group": group, "status": status, "reason": reason}, y, p, reference,
                             table, sel, compute)
    return rows


def _evaluate_pooled(model: str, scored: list[_Scored], folds: list[Fold], table: Table,
                     group_col: str | None) -> list[dict]:
    trained = [s for s in scored if (s.method == "model").any()]
    base = {"model_name": model, "fold": POOLED,
            "test_date_start": _iso(folds[0].test_date) if folds[0].test_date is not None else None,
            "test_date_end": _iso(folds[-1].test_date) if folds[-1].test_date is not None else None,
            "train_date_end": None, "train_rows": None, "train_base_rate": None, "calibration": None}
    if table.dates is not None and trained:
        base["test_date_start"] = _iso(table.dates[trained[0].idx].min())
        base["test_date_end"] = _iso(table.dates[trained[-1].idx].max())
    every = scored if scored else []
    idx = np.concatenate([s.idx for s in every]) if every else np.array([], int)
    p = np.concatenate([s.p for s in every]) if every else np.array([])
    method = np.concatenate([s.method for s in every]) if every else np.array([], object)
    ref = np.concatenate([np.full(len(s.idx), np.nan if s.reference is None else s.reference) for s in every]) \
        if every else np.array([])
    rows = []
    for group, mask in _group_masks(table, idx, group_col):
        if group != "known_outcome":
            mask = mask & (method == "model")
        sel = idx[mask]
        y = table.y[sel]
        compute = len(sel) > 0
        if group == "known_outcome":
            reason = f"known-outcome rows of all {len(folds)} folds, pooled"
        else:
            reason = f"pooled over the {len(trained)} of {len(folds)} folds that trained a model"
        status = "ok"
        if not compute:
            status = "no_model_folds" if not trained else "no_labels_yet"
            reason = "no fold trained a model (see the fold rows)" if not trained else "no labelled test row"
        elif _one_class(y):
            status, reason = "one_class_test", _one_class(y)
        rows += _metric_rows({**base, "row_group": group, "status": status, "reason": reason}, y, p[mask],
                             ref[mask], table, sel, compute)
    return rows


# ----------------------------------------------------------------------------------------------- the run


@dataclass
class ChurnRun:
    """The result of run_churn_pipeline (see csops.ml for every column)."""

    fold_scheme: str
    evaluation: pd.DataFrame
    out_of_time_predictions: pd.DataFrame
    selected_model: str
    selection_rule: str
    folds: pd.DataFrame
    config: ChurnConfig
    feature_cols: list[str]
    categorical_cols: list[str]
    id_col: str
    label_col: str
    date_col: str | None
    known_outcome_col: str | None
    fallback_col: str | None
    _table: Table = field(repr=False)
    _spec: FeatureSpec = field(repr=False)
    _fold_train: dict[str, TrainedSet] = field(repr=False)
    _final: TrainedSet | None = field(default=None, repr=False)
    _last_fold: TrainedSet | None = field(default=None, repr=False)  # the latest fold's models, to reuse

    def training_rows(self, fold: str) -> pd.DataFrame:
        """The training rows of fold `fold`: id, date, label, role ('fit', 'calibration', or 'unused' when
        max_train_rows sampled it out; every row is 'unused' in a fold that fell back)."""
        trained = self._fold_train[fold]
        idx = trained.train_idx
        role = np.full(len(idx), "unused", dtype=object)
        role[np.isin(idx, trained.fit_idx)] = "fit"
        out = {self.id_col: self._table.ids[idx]}
        if self.date_col:
            out[self.date_col] = pd.to_datetime(self._table.dates[idx])
        out[self.label_col] = self._table.y[idx]
        out["role"] = role
        return pd.DataFrame(out)

    def final_model(self) -> TrainedSet:
        """The models trained on every labelled, not-known-outcome row of the table (built on first use)."""
        if self._final is None:
            t = self._table
            train_idx, known_idx = np.flatnonzero(t.labelled & ~t.known), np.flatnonzero(t.labelled & t.known)
            last = self._last_fold
            if (last is not None and np.array_equal(last.train_idx, train_idx)
                    and np.array_equal(np.sort(last.known_idx), known_idx) and last.status == "ok"):
                # the latest fold trained on exactly these rows (a table whose labels are all known by its
                # latest date): its model is the final model, and today's scores equal its predictions
                self._final = last
            else:
                with threadpool_limits(limits=self.config.n_threads):
                    self._final = train(t, train_idx, known_idx, self._spec, self.config, salt=0,
                                        what="in the table", models=(self.selected_model,))
        return self._final

    @property
    def model_version(self) -> str:
        final = self.final_model()
        t = self._table
        digest = hashlib.sha256()
        features = sorted(self.feature_cols)  # the version does not depend on the table's column order
        digest.update(json.dumps({"config": repr(self.config), "features": features,
                                  "categorical": sorted(self.categorical_cols), "model": self.selected_model},
                                 sort_keys=True).encode())
        idx = final.train_idx
        digest.update(pd.util.hash_pandas_object(t.X.iloc[idx][features], index=False).to_numpy().tobytes())
        digest.update(np.nan_to_num(t.y[idx], nan=-1).tobytes())
        return f"{self.selected_model}-{digest.hexdigest()[:12]}"

    def predict(self, frame_to_score: pd.DataFrame) -> pd.DataFrame:
        """Churn probability, method, drivers and training window of every row of frame_to_score."""
        with threadpool_limits(limits=self.config.n_threads):
            return self._predict(frame_to_score)

    def _predict(self, frame_to_score: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(frame_to_score, pd.DataFrame):
            raise MlError(f"the table to score must be a pandas DataFrame (got {type(frame_to_score).__name__})")
        _require(frame_to_score, self.id_col, "id")
        for c in self.feature_cols:
            _require(frame_to_score, c, "feature")
        final = self.final_model()
        n = len(frame_to_score)
        X = prepare_features(frame_to_score.reset_index(drop=True), self._spec)
        if self.known_outcome_col and self.known_outcome_col in frame_to_score.columns:
            known = _flags(frame_to_score[self.known_outcome_col].reset_index(drop=True), self.known_outcome_col)
        else:
            known = np.zeros(n, bool)
        fallback = None
        if self.fallback_col and self.fallback_col in frame_to_score.columns:
            fallback = pd.to_numeric(frame_to_score[self.fallback_col], errors="coerce").to_numpy(dtype=float)
        p, method, reason = predict_rows(final, X, known, fallback, self.selected_model)
        drivers = pd.DataFrame({c: np.full(n, None, dtype=object) for c in driver_columns()})
        for k in (1, 2, 3):
            drivers[f"driver_{k}_effect"] = np.nan
        model_rows = np.flatnonzero(method == "model")
        if len(model_rows):
            effects = occlusion_effects(final.models[self.selected_model], X.iloc[model_rows], final.reference,
                                        p[model_rows])
            if self.config.split_by in self.feature_cols:
                # the split feature picks which model scores the customer (a monthly plan against a term
                # one): not a driver a CSM can act on, so never named as one
                effects[:, self.feature_cols.index(self.config.split_by)] = 0.0
            drivers.iloc[model_rows] = top_drivers(effects, self.feature_cols).to_numpy()
        known_rows = np.flatnonzero(known)
        if len(known_rows) and final.base_rate is not None:
            effect = final.known_rate - final.base_rate
            drivers.loc[known_rows, "driver_1"] = self.known_outcome_col
            drivers.loc[known_rows, "driver_1_direction"] = "raises risk" if effect >= 0 else "lowers risk"
            drivers.loc[known_rows, "driver_1_effect"] = round(effect, 6)
        for k in (1, 2, 3):
            drivers[f"driver_{k}_effect"] = drivers[f"driver_{k}_effect"].astype(float)
        dates = self._table.dates
        window = (_iso(dates[final.train_idx].min()), _iso(dates[final.train_idx].max())) \
            if dates is not None and len(final.train_idx) else (None, None)
        out = pd.DataFrame({
            self.id_col: frame_to_score[self.id_col].to_numpy(),
            "churn_probability": p,
            "model_name": self.selected_model,
            "model_version": self.model_version,
            "prediction_method": method,
            "fallback_reason": reason,
        })
        out = pd.concat([out, drivers], axis=1)
        out["training_window_start"] = pd.to_datetime(window[0]) if window[0] else pd.NaT
        out["training_window_end"] = pd.to_datetime(window[1]) if window[1] else pd.NaT
        return out


def _fold_scheme(table: Table, folds: list[Fold], config: ChurnConfig, date_col: str | None,
                 label_col: str) -> str:
    if date_col is None:
        return (f"stratified {len(folds)}-fold cross-validation on {label_col} (no date column; seed "
                f"{config.seed}): each fold trains on the labelled rows of the other folds - not out of time")
    every = "every observation date" if config.fold_step == 1 else f"every {config.fold_step}th observation date"
    gap = config.lead_days + config.horizon_days
    return (f"time-based folds on {date_col}: expanding window, one fold per test date ({every} counted back "
            f"from the latest; {len(folds)} test dates {_iso(folds[0].test_date)} .. {_iso(folds[-1].test_date)}); "
            f"a fold trains on labelled rows with {date_col} + {config.lead_days} lead + {config.horizon_days} "
            f"horizon days <= its test date: gap {gap} days")


def run_churn_pipeline(frame: pd.DataFrame, *, id_col: str, label_col: str, date_col: str | None = None,
                       feature_cols=None, exclude_cols=(), known_outcome_col: str | None = None,
                       group_col: str | None = None, compare_cols: dict[str, int] | None = None,
                       fallback_col: str | None = None, config: ChurnConfig | None = None) -> ChurnRun:
    """Validate `frame`, backtest every model on its folds, select one; see csops.ml for the method."""
    config = config or ChurnConfig()
    config.check()
    with threadpool_limits(limits=config.n_threads):
        return _run(frame, id_col=id_col, label_col=label_col, date_col=date_col, feature_cols=feature_cols,
                    exclude_cols=exclude_cols, known_outcome_col=known_outcome_col, group_col=group_col,
                    compare_cols=compare_cols, fallback_col=fallback_col, config=config)


def _run(frame: pd.DataFrame, *, id_col: str, label_col: str, date_col: str | None, feature_cols, exclude_cols,
         known_outcome_col: str | None, group_col: str | None, compare_cols: dict[str, int] | None,
         fallback_col: str | None, config: ChurnConfig) -> ChurnRun:
    table, spec, label_col = load_table(
        frame, id_col=id_col, label_col=label_col, date_col=date_col, feature_cols=feature_cols,
        exclude_cols=exclude_cols, known_outcome_col=known_outcome_col, group_col=group_col,
        compare_cols=compare_cols, fallback_col=fallback_col)
    if config.split_by is not None and config.split_by not in spec.columns:
        raise MlError(f"split_by {config.split_by!r} is not a feature column of the table")
    folds = time_folds(table, config) if date_col else stratified_folds(table, config)

    evaluation, predictions, fold_rows, fold_train = [], [], [], {}
    last_fold = None
    scored: dict[str, list[_Scored]] = {m: [] for m in config.models}
    for k, fold in enumerate(folds, start=1):
        started, cpu_started = time.perf_counter(), time.process_time()
        when = f"before {_iso(fold.test_date)}" if fold.test_date is not None else "outside the fold"
        trained = train(table, fold.train_idx, fold.known_idx, spec, config, salt=k, what=when)
        last_fold = trained if fold is folds[-1] and date_col else None
        fold_train[fold.label] = TrainedSet(trained.train_idx, trained.fit_idx, trained.cal_idx, trained.status,
                                            trained.reason, trained.calibration, trained.base_rate,
                                            trained.known_rate, trained.known_reason)
        idx = fold.test_idx
        X_test = table.X.iloc[idx]
        known = table.known[idx]
        fallback = table.fallback[idx] if table.fallback is not None else None
        for model in config.models:
            p, method, reason = predict_rows(trained, X_test, known, fallback, model)
            s = _Scored(idx, p, method, trained.base_rate)
            scored[model].append(s)
            evaluation += _evaluate_fold(model, fold, trained, s, table, config, group_col)
            part = {id_col: table.ids[idx]}
            if date_col:
                part[date_col] = pd.to_datetime(table.dates[idx])
            part.update({"model_name": model, "fold": fold.label, "churn_probability": p,
                         label_col: pd.array(table.y[idx], dtype="Float64").astype("Int64"),
                         "is_known_outcome": known, "prediction_method": method, "fallback_reason": reason})
            predictions.append(pd.DataFrame(part))
        train_dates = table.dates[trained.train_idx] if date_col and len(trained.train_idx) else None
        fold_rows.append({
            "fold": fold.label, "test_date": _iso(fold.test_date),
            "train_date_start": _iso(train_dates.min()) if train_dates is not None else None,
            "train_date_end": _iso(train_dates.max()) if train_dates is not None else None,
            "train_rows": len(trained.train_idx), "train_churners": int(table.y[trained.train_idx].sum()),
            "train_dates": len(np.unique(train_dates)) if train_dates is not None else None,
            "train_base_rate": trained.base_rate, "fit_rows": len(trained.fit_idx),
            "calibration_rows": len(trained.cal_idx), "calibration": trained.calibration,
            "test_rows": len(idx), "test_labelled_rows": int(table.labelled[idx].sum()),
            "status": trained.status, "reason": trained.reason,
            "seconds": round(time.perf_counter() - started, 3),
            "cpu_seconds": round(time.process_time() - cpu_started, 3)})
    for model in config.models:
        evaluation += _evaluate_pooled(model, scored[model], folds, table, group_col)

    ev = pd.DataFrame(evaluation, columns=EVALUATION_COLUMNS)
    for c in ("test_date_start", "test_date_end", "train_date_end"):
        ev[c] = pd.to_datetime(ev[c])
    fold_table = pd.DataFrame(fold_rows, columns=FOLD_COLUMNS)
    for c in ("test_date", "train_date_start", "train_date_end"):
        fold_table[c] = pd.to_datetime(fold_table[c])
    pooled = ev[(ev["fold"] == POOLED) & (ev["row_group"] == "headline") & ev["log_loss"].notna()]
    pooled = pooled.drop_duplicates("model_name")
    rule = ("the lowest pooled out-of-time log loss on the headline rows (every fold that trained a model; "
            "ties: the first in config.models)")
    if len(pooled):
        order = {m: i for i, m in enumerate(config.models)}
        best = pooled.assign(_o=pooled["model_name"].map(order)).sort_values(["log_loss", "_o"]).iloc[0]
        selected = str(best["model_name"])
        selection = f"{selected}: {rule}; log loss " + ", ".join(
            f"{r.model_name} {r.log_loss:.4f}" for r in pooled.itertuples())
    else:
        selected = config.models[0]
        selection = f"{selected}: no fold trained a model, so {rule} cannot apply; the first of config.models"
    oot = pd.concat(predictions, ignore_index=True)
    oot["is_selected_model"] = oot["model_name"] == selected
    return ChurnRun(
        fold_scheme=_fold_scheme(table, folds, config, date_col, label_col), evaluation=ev,
        out_of_time_predictions=oot, selected_model=selected, selection_rule=selection,
        folds=fold_table, config=config, feature_cols=list(spec.columns),
        categorical_cols=spec.categorical_columns, id_col=id_col, label_col=label_col, date_col=date_col,
        known_outcome_col=known_outcome_col, fallback_col=fallback_col, _table=table, _spec=spec,
        _fold_train=fold_train, _last_fold=last_fold)


_CACHE: dict[str, ChurnRun] = {}
_CACHE_LOCK = threading.Lock()


def cached_churn_run(frame: pd.DataFrame, **kwargs) -> ChurnRun:
    """run_churn_pipeline, remembered for the last input: several dbt Python models of one `dbt build`
    (backtest scores, evaluation, today's predictions) read the same table and share one run instead of
    training it three times. The key is a hash of the table's content and every argument, so a changed
    table or setting trains again; runs are deterministic, so a remembered run equals a fresh one."""
    digest = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in kwargs.items())).encode())
    digest.update(repr(list(frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    key = digest.hexdigest()
    with _CACHE_LOCK:
        if key not in _CACHE:
            run = run_churn_pipeline(frame, **kwargs)
            _CACHE.clear()
            _CACHE[key] = run
        return _CACHE[key]
