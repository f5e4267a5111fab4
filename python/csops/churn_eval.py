"""Grade the warehouse's churn model against the generator's ground truth.

The warehouse's dbt Python models write out-of-time predictions (marts.ml_churn_backtest_scores: one
row per model, fold, customer and observation date, with the churn probability, the warehouse's own
label churned_in_window and what it knew: is_cancel_pending, plan_group, health_score). The truth knows,
at every month end, each true customer's TRUE probability of churning within the next 90 days (truth
churn_outlook_monthly.churn_probability_90d, computed from the generator's rules, never from what
happened): the oracle, the best any model could rank and calibrate on these rows. The truth is only
read here, never by a dbt model.

Which rows are graded - every row of the table is counted, none is dropped silently:

- rows whose observation_date is not a month end (the as-of rows, scored for today), rows whose
  label is unknown (churned_in_window null: the window has not closed), and rows the model did not
  score because its fold had too little history (prediction_method fallback_*: the documented
  fallback, not the model) are counted and left out;
- the other rows are matched to the truth row of the same true customer and month end. Warehouse
  customers map to true customers as in `csops evaluate-health` (dim_customers.crm_account_id as a
  crm accounts record of the truth's identity map, else billing_customer_id as a billing customers
  record); rows with no true customer, or whose true customer has no truth row that month (the truth
  has one per month end with a live paid subscription), are counted as unmatched and said;
- headline rows: not is_cancel_pending. A customer who has already asked to cancel is a known
  outcome, not a prediction; those rows are reported apart (their churn rate and the model's mean
  probability), and never in the headline figures.

Figures, per model (the selected one marked) on the headline rows, overall and per plan_group and fold:
rows, churners (the warehouse's label; beside it the truth's realised churn, a churn event within the
90 days after the month end, where that window closed before the truth's as-of), the model's and the
oracle's mean probability, AUC of the model and of the oracle on the same rows and their ratio,
top-decile lift (the churn rate of the 10% of rows the model ranks riskiest over the rows' churn rate;
rows tied at the cut count by their share), Brier skill against the base rate (1 - Brier / Brier of
predicting the rows' churn rate for every row), and the health score's AUC on the rows that have one
(a lower score is riskier), with the model's AUC on exactly those rows.

Targets, on the selected model's headline rows: AUC / oracle AUC >= min_auc_ratio; model AUC no more
than max_auc_excess above the oracle's (more is leakage: the oracle is the truth itself); top-decile
lift >= min_lift; Brier skill >= min_brier_skill; model AUC above the health score's AUC; and, when the
warehouse has marts.rpt_revenue_forecast_backtest, the churn-model revenue forecast's MAPE below the
naive baseline's at 3, 6 and 12 months (not graded when the table is missing). A target that cannot
be computed is missed.

AUCs are Mann-Whitney, ties at average ranks; undefined (None) without both churners and stayers.
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .errors import CsopsError
from .eval_common import (
    CUSTOMER_COLUMNS,
    IDENTITY_COLUMNS,
    Target,
    at_least,
    at_most_above,
    auc,
    create_customer_keys,
    excess,
    find_table,
    fmt,
    quote,
    ratio,
    register_truth_views,
    require_truth_files,
    table_columns,
    truth_as_of,
    undefined_note,
)
from .warehouse import connect_read_only

WINDOW_DAYS = 90  # the truth's window: churn in (month_end, month_end + 90 days]
TOP_SHARE = 0.1  # top decile
FORECAST_HORIZONS = (3, 6, 12)
SLICES = ("plan_group", "fold")
SCORES = "ml_churn_backtest_scores"
FORECAST = "rpt_revenue_forecast_backtest"
WAREHOUSE_COLUMNS = {
    SCORES: ("customer_id", "observation_date", "model_name", "fold", "churn_probability", "churned_in_window",
             "is_cancel_pending", "plan_group", "mrr_amount", "health_score", "prediction_method",
             "is_selected_model"),
    "dim_customers": CUSTOMER_COLUMNS,
}
TRUTH_FILES_BY_VIEW = {
    "truth_identity": "identity_map.parquet",
    "truth_outlook": "churn_outlook_monthly.parquet",
    "truth_churn": "churn_events.parquet",
}
TRUTH_COLUMNS = {
    "identity_map.parquet": IDENTITY_COLUMNS,
    "churn_outlook_monthly.parquet": ("customer_key", "month_end", "cancel_pending", "churn_probability_90d"),
    "churn_events.parquet": ("customer_key", "churn_date"),
}
# rpt_revenue_forecast_backtest is written elsewhere: each role is the first of these columns it has
FORECAST_COLUMNS = {
    "method": ("method", "forecast_method", "method_name"),
    "horizon_months": ("horizon_months", "horizon"),
    "mape": ("mape", "mape_ratio", "mape_pct"),
}


class ChurnEvalError(CsopsError):
    """No warehouse, no ground truth, or a table or column missing from either; said in one line."""


@dataclass(frozen=True)
class Thresholds:
    min_auc_ratio: float = 0.97
    min_lift: float = 4.0
    min_brier_skill: float = 0.10
    max_auc_excess: float = 0.02
    forecast_method: str | None = None  # the churn-model forecast's method name (None: found by name)
    baseline_method: str | None = None  # the naive baseline's (None: the one method named naive)


@dataclass(frozen=True)
class ChurnTarget(Target):
    bar: str = ""  # the bar in words: '>= 0.97', '< naive MAPE'
    detail: str = ""  # what the value means, in words, for the targets table
    graded: bool = True  # False: not graded (its input is optional and absent); neither met nor missed

    @property
    def status(self) -> str:
        return "not graded" if not self.graded else "met" if self.ok else "NOT met"


@dataclass(frozen=True)
class RowCounts:
    """Every row of ml_churn_backtest_scores, all models, and where it went."""

    total: int
    not_month_end: int  # the as-of rows (and any other day): not graded
    label_unknown: int  # month-end rows whose window has not closed (churned_in_window null)
    no_probability: int  # month-end labelled rows without a churn_probability
    fallback: int  # month-end labelled rows scored by a fallback (the fold had too little history), not the model
    no_true_customer: int  # unmatched: the customer's crm and billing ids are unknown to the truth
    no_truth_row: int  # unmatched: the true customer has no truth row at that month end
    graded: int  # matched rows: headline + cancel pending
    cancel_pending: int  # of the graded rows, is_cancel_pending (apart from the headline)
    duplicates: int  # rows repeating a (model, customer, observation date) already counted (several folds)
    headline_truth_cancel_pending: int  # headline rows the truth calls cancel pending (the warehouse had not seen it)

    @property
    def unmatched(self) -> int:
        return self.no_true_customer + self.no_truth_row

    @property
    def headline(self) -> int:
        return self.graded - self.cancel_pending


@dataclass(frozen=True)
class ModelSlice:
    """One model on one slice of its headline rows."""

    model_name: str
    is_selected: bool
    slice: str  # 'all', 'plan_group' or 'fold'
    value: str
    rows: int
    customers: int
    churners: int  # the warehouse's label
    truth_known: int  # rows whose truth window closed before the truth's as-of
    truth_churners: int  # of those, rows with a true churn event in the window
    label_disagreements: int  # of those, rows whose warehouse label says otherwise
    mean_probability: float | None
    oracle_mean_probability: float | None
    model_auc: float | None
    oracle_auc: float | None
    model_lift: float | None
    oracle_lift: float | None
    model_brier_skill: float | None
    oracle_brier_skill: float | None
    health_rows: int  # rows with a health score
    health_auc: float | None  # AUC of -health_score on those rows
    model_auc_health_rows: float | None  # the model's AUC on the same rows
    note: str = ""

    @property
    def churn_rate(self) -> float | None:
        return self.churners / self.rows if self.rows else None

    @property
    def truth_churn_rate(self) -> float | None:
        return self.truth_churners / self.truth_known if self.truth_known else None

    @property
    def auc_ratio(self) -> float | None:
        return ratio(self.model_auc, self.oracle_auc)

    @property
    def auc_excess(self) -> float | None:
        return excess(self.model_auc, self.oracle_auc)


@dataclass(frozen=True)
class CancelPending:
    """One model's cancel-pending rows: a known outcome, reported apart."""

    model_name: str
    is_selected: bool
    rows: int
    churners: int
    mean_probability: float | None
    oracle_mean_probability: float | None

    @property
    def churn_rate(self) -> float | None:
        return self.churners / self.rows if self.rows else None


@dataclass(frozen=True)
class ForecastMape:
    method: str
    horizon_months: int
    mape: float | None  # mean over the rows
    rows: int


@dataclass
class Forecast:
    """What rpt_revenue_forecast_backtest says, or why it cannot say it."""

    table: str | None  # None: the warehouse has no such table
    problem: str = ""  # why it cannot be graded (a column missing, no naive method, ...)
    mape: list[ForecastMape] = field(default_factory=list)
    method: str | None = None
    baseline: str | None = None
    filtered: list[str] = field(default_factory=list)  # columns kept at their 'all' rows


@dataclass
class ChurnEvaluation:
    as_of: date
    rows: RowCounts
    selected_model: str | None
    selected_problem: str = ""  # why no single model is selected, when none is
    slices: list[ModelSlice] = field(default_factory=list)
    cancel_pending: list[CancelPending] = field(default_factory=list)
    forecast: Forecast = field(default_factory=lambda: Forecast(table=None))
    targets: list[ChurnTarget] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t.ok for t in self.targets)

    def overall(self, model: str) -> ModelSlice:
        return next(s for s in self.slices if s.model_name == model and s.slice == "all")

    def to_dict(self) -> dict:
        rows = self.rows
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": WINDOW_DAYS,
            "rows": {**asdict(rows), "unmatched": rows.unmatched, "headline": rows.headline},
            "selected_model": self.selected_model,
            "selected_problem": self.selected_problem,
            "models": [{**asdict(s), "churn_rate": s.churn_rate, "truth_churn_rate": s.truth_churn_rate,
                        "auc_ratio": s.auc_ratio, "auc_excess": s.auc_excess} for s in self.slices],
            "cancel_pending": [{**asdict(c), "churn_rate": c.churn_rate} for c in self.cancel_pending],
            "revenue_forecast": asdict(self.forecast),
            "targets": [{**asdict(t), "status": t.status} for t in self.targets],
            "passed": self.passed,
        }


def top_share_lift(risk: np.ndarray, positive: np.ndarray, share: float = TOP_SHARE) -> float | None:
    """Churn rate of the `share` of rows ranked riskiest over the churn rate of all rows; rows tied at
    the cut count by the share of them that fits (a constant risk gets exactly 1). None without
    rows or churners."""
    risk = np.asarray(risk, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n = len(risk)
    if n == 0 or not positive.any():
        return None
    k = n * share
    cut = np.sort(risk)[::-1][max(math.ceil(k) - 1, 0)]
    above, at = risk > cut, risk == cut
    taken = (k - above.sum()) / at.sum()
    top_churners = positive[above].sum() + taken * positive[at].sum()
    return float((top_churners / k) / positive.mean())


def brier_skill(probability: np.ndarray, positive: np.ndarray) -> float | None:
    """1 - Brier score / Brier score of predicting the rows' churn rate for every row; None without
    both churners and stayers (the reference is then 0)."""
    probability = np.asarray(probability, dtype=float)
    y = np.asarray(positive, dtype=float)
    if len(y) == 0:
        return None
    base = y.mean()
    reference = base * (1 - base)
    if reference == 0:
        return None
    return float(1 - np.mean((probability - y) ** 2) / reference)


def evaluate(warehouse: str | Path, truth: str | Path, thresholds: Thresholds = Thresholds()) -> ChurnEvaluation:
    """Every figure and the targets graded; ChurnEvalError (exit 2) when an input is missing."""
    truth = Path(truth)
    as_of = truth_as_of(truth, ChurnEvalError)
    require_truth_files(truth, tuple(TRUTH_FILES_BY_VIEW.values()), ChurnEvalError)
    con = connect_read_only(warehouse)
    try:
        frame, counts = _load(con, truth, as_of)
        forecast = read_forecast(con, thresholds)
    finally:
        con.close()
    return grade(frame, counts, as_of, thresholds, forecast)


def grade(frame: pd.DataFrame, counts: dict, as_of: date, thresholds: Thresholds = Thresholds(),
          forecast: Forecast | None = None) -> ChurnEvaluation:
    """The figures from one row per backtest row at a month end with a known label and a probability:
    model_name, fold, is_selected_model, customer_id, customer_key (None: no true customer),
    churn_probability, churned_in_window, is_cancel_pending, plan_group, health_score,
    oracle_probability (None: no truth row), truth_cancel_pending and truth_churned (None: the truth's
    window is still open); `counts` the rows left out before (total, not_month_end, label_unknown,
    no_probability, fallback, duplicates)."""
    no_key = frame["customer_key"].isna()
    no_truth = ~no_key & frame["oracle_probability"].isna()
    rows = frame[~no_key & ~no_truth]
    pending = rows["is_cancel_pending"].to_numpy(dtype=bool)
    headline = rows[~pending]
    result = ChurnEvaluation(
        as_of=as_of,
        rows=RowCounts(
            total=int(counts["total"]), not_month_end=int(counts["not_month_end"]),
            label_unknown=int(counts["label_unknown"]), no_probability=int(counts["no_probability"]),
            fallback=int(counts["fallback"]),
            no_true_customer=int(no_key.sum()), no_truth_row=int(no_truth.sum()), graded=len(rows),
            cancel_pending=int(pending.sum()), duplicates=int(counts["duplicates"]),
            headline_truth_cancel_pending=int(headline["truth_cancel_pending"].fillna(False).astype(bool).sum()),
        ),
        selected_model=None,
        forecast=forecast if forecast is not None else Forecast(table=None),
    )
    selected = sorted(frame.loc[frame["is_selected_model"].fillna(False).astype(bool), "model_name"].unique())
    if len(selected) == 1:
        result.selected_model = str(selected[0])
    elif selected:
        result.selected_problem = f"several models are marked is_selected_model: {', '.join(map(str, selected))}"
    else:
        result.selected_problem = "no month-end row with a known label is marked is_selected_model"
    models = sorted(frame["model_name"].astype(str).unique(), key=lambda m: (m != result.selected_model, m))
    for model in models:
        part = headline[headline["model_name"].astype(str) == model]
        is_selected = model == result.selected_model
        result.slices.append(_slice(part, model, is_selected, "all", "all"))
        for column in SLICES:
            keys = part[column].fillna("(none)").astype(str)
            if keys.nunique() < 2:
                continue  # one value: the same rows as 'all'
            for value, sub in part.groupby(keys, sort=True):
                result.slices.append(_slice(sub, model, is_selected, column, str(value)))
        cancelled = rows[pending & (rows["model_name"].astype(str) == model).to_numpy()]
        result.cancel_pending.append(CancelPending(
            model_name=model, is_selected=is_selected, rows=len(cancelled),
            churners=int(cancelled["churned_in_window"].sum()),
            mean_probability=_mean(cancelled["churn_probability"]),
            oracle_mean_probability=_mean(cancelled["oracle_probability"])))
    result.targets = _targets(result, thresholds)
    return result


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _slice(rows: pd.DataFrame, model: str, is_selected: bool, slice_: str, value: str) -> ModelSlice:
    y = rows["churned_in_window"].to_numpy(dtype=bool)
    p = rows["churn_probability"].to_numpy(dtype=float)
    oracle = rows["oracle_probability"].to_numpy(dtype=float)
    known = rows["truth_churned"].notna().to_numpy()
    health = rows["health_score"].to_numpy(dtype=float)
    scored = ~np.isnan(health)
    n, churners = len(rows), int(y.sum())
    truth_churned = rows["truth_churned"].to_numpy(dtype=object)
    disagree = int(sum(bool(t) != bool(label) for t, label, k in zip(truth_churned, y, known, strict=True) if k))
    notes = [undefined_note(n, churners)] if undefined_note(n, churners) else []
    if disagree:
        notes.append(f"label differs from the truth's churn on {disagree:,} rows")
    if scored.sum() < n:
        notes.append(f"health on {int(scored.sum()):,} rows")
    return ModelSlice(
        model_name=model, is_selected=is_selected, slice=slice_, value=value, rows=n,
        customers=int(rows["customer_key"].nunique()), churners=churners, truth_known=int(known.sum()),
        truth_churners=int(rows.loc[known, "truth_churned"].astype(bool).sum()), label_disagreements=disagree,
        mean_probability=float(p.mean()) if n else None, oracle_mean_probability=float(oracle.mean()) if n else None,
        model_auc=auc(p, y), oracle_auc=auc(oracle, y),
        model_lift=top_share_lift(p, y), oracle_lift=top_share_lift(oracle, y),
        model_brier_skill=brier_skill(p, y), oracle_brier_skill=brier_skill(oracle, y),
        health_rows=int(scored.sum()), health_auc=auc(-health[scored], y[scored]),
        model_auc_health_rows=auc(p[scored], y[scored]), note="; ".join(notes),
    )


def _targets(result: ChurnEvaluation, t: Thresholds) -> list[ChurnTarget]:
    targets: list[ChurnTarget] = []
    bars = {"AUC / oracle AUC": f">= {t.min_auc_ratio:g}",
            "AUC above the oracle's (leakage)": f"<= +{t.max_auc_excess:g}",
            "top-decile lift": f">= {t.min_lift:g}",
            "Brier skill vs base rate": f">= {t.min_brier_skill:g}",
            "AUC above the health score's": "> 0"}
    if result.selected_model is None:
        return [ChurnTarget(name, None, 0, "min", False, f"{name}: cannot be graded ({result.selected_problem})",
                            bar=bar) for name, bar in bars.items()] + _forecast_targets(result.forecast)
    s = result.overall(result.selected_model)
    undefined = s.note.split("; ")[0] if s.note.startswith("undefined") else ""
    why = f" ({undefined}, {s.rows:,} headline rows)" if undefined else ""
    names = list(bars)
    targets.append(_churn_target(at_least(names[0], s.auc_ratio, t.min_auc_ratio, why), bars[names[0]],
                                 f"model AUC {fmt(s.model_auc)} vs the oracle's {fmt(s.oracle_auc)} on "
                                 f"{s.rows:,} rows"))
    leak = at_most_above(names[1], s.model_auc, s.oracle_auc, t.max_auc_excess, ("model", "oracle"),
                         "the model ranks better than the true probability, so it has seen the future (a feature "
                         "loaded after the observation date)", why)
    targets.append(_churn_target(leak, bars[names[1]],
                                 "no model can rank better than the truth's own probability; more than the margin "
                                 "is leakage" if leak.ok else
                                 "the model ranks better than the truth itself: it has seen the future (leakage)"))
    top = s.model_lift * s.churn_rate if s.model_lift is not None and s.churn_rate is not None else None
    rate = fmt(s.churn_rate, ".1%")
    targets.append(_churn_target(at_least(names[2], s.model_lift, t.min_lift, why), bars[names[2]],
                                 f"the riskiest 10% of rows churned at {fmt(top, '.1%')} against {rate} overall "
                                 f"(the oracle's lift: {fmt(s.oracle_lift, '.2f')})"))
    targets.append(_churn_target(at_least(names[3], s.model_brier_skill, t.min_brier_skill, why), bars[names[3]],
                                 f"mean predicted {fmt(s.mean_probability, '.1%')} against {rate} churned; 0 = no "
                                 f"better than saying {rate} for everyone, "
                                 f"the oracle's {fmt(s.oracle_brier_skill)}"))
    name = names[4]
    if s.model_auc_health_rows is None or s.health_auc is None:
        reason = "no health scores" if not s.health_rows else "undefined: no churners or no stayers among them"
        targets.append(ChurnTarget(name, None, 0, "min", False,
                                   f"{name}: cannot be graded ({reason}, {s.health_rows:,} rows with a score)",
                                   bar=bars[name]))
    else:
        gap = s.model_auc_health_rows - s.health_auc
        detail = (f"model AUC {s.model_auc_health_rows:.3f} vs health score AUC {s.health_auc:.3f} on the "
                  f"{s.health_rows:,} rows with a score")
        message = f"{name}: {detail} ({gap:+.4f})"
        if gap <= 0:
            message += ": the model ranks no better than the health score"
        targets.append(ChurnTarget(name, gap, 0, "min", gap > 0, message, bar=bars[name], detail=detail))
    return targets + _forecast_targets(result.forecast)


def _churn_target(target: Target, bar: str, detail: str) -> ChurnTarget:
    return ChurnTarget(**asdict(target), bar=bar, detail=detail if target.value is not None else "")


def _forecast_targets(forecast: Forecast) -> list[ChurnTarget]:
    name = "revenue forecast beats naive (MAPE)"
    bar = "< naive MAPE"
    if forecast.table is None:
        return [ChurnTarget(f"{name} at 3, 6, 12 months", None, 0, "max", True,
                            f"{name} at {', '.join(map(str, FORECAST_HORIZONS))} months: not graded: table missing "
                            f"(marts.{FORECAST} is not in the warehouse)", bar=bar, graded=False)]
    if forecast.problem:
        return [ChurnTarget(f"{name} at 3, 6, 12 months", None, 0, "max", False,
                            f"{name}: cannot be graded ({forecast.problem})", bar=bar)]
    targets = []
    mape = {(m.method, m.horizon_months): m.mape for m in forecast.mape}
    for horizon in FORECAST_HORIZONS:
        each = f"{name} at {horizon} months"
        model, naive = mape.get((forecast.method, horizon)), mape.get((forecast.baseline, horizon))
        if model is None or naive is None:
            missing = [m for m, v in ((forecast.method, model), (forecast.baseline, naive)) if v is None]
            targets.append(ChurnTarget(each, None, 0, "max", False,
                                       f"{each}: cannot be graded (no MAPE for {', '.join(map(str, missing))} "
                                       f"at {horizon} months in {forecast.table})", bar=bar))
            continue
        ok = model < naive
        detail = f"{forecast.method} {model:.4g} vs {forecast.baseline} {naive:.4g}"
        message = f"{each}: {detail} ({model - naive:+.4g})"
        if not ok:
            message += ": the forecast is no better than carrying today's revenue forward"
        targets.append(ChurnTarget(each, model - naive, 0, "max", ok, message, bar=bar, detail=detail))
    return targets


def read_forecast(con: duckdb.DuckDBPyConnection, thresholds: Thresholds = Thresholds()) -> Forecast:
    """rpt_revenue_forecast_backtest's mean MAPE per method and horizon, read defensively (the table and
    its column names may vary: FORECAST_COLUMNS); a problem, not an error, when it cannot be read."""
    found = table_columns(con, FORECAST)
    if found is None:
        return Forecast(table=None)
    table, columns = found
    roles = {role: next((c for c in names if c in columns), None) for role, names in FORECAST_COLUMNS.items()}
    missing = [f"{role} ({' or '.join(FORECAST_COLUMNS[role])})" for role, c in roles.items() if c is None]
    if missing:
        return Forecast(table=table, problem=f"{table} has no column {', '.join(missing)}")
    try:
        frame = con.execute(f"select * from {table}").df()
    except duckdb.Error as e:
        return Forecast(table=table, problem=f"cannot read {table}: {str(e).splitlines()[0]}")
    # a breakdown column (segment, currency, ...) with an 'all' row: keep the total rows only
    filtered = []
    for column in frame.columns:
        if column != roles["method"] and frame[column].dtype == object and (frame[column] == "all").any():
            frame = frame[frame[column] == "all"]
            filtered.append(column)
    frame = frame.assign(_method=frame[roles["method"]].astype(str),
                         _horizon=pd.to_numeric(frame[roles["horizon_months"]], errors="coerce"),
                         _mape=pd.to_numeric(frame[roles["mape"]], errors="coerce"))
    mape = [ForecastMape(method=str(method), horizon_months=int(horizon),
                         mape=None if part["_mape"].isna().all() else float(part["_mape"].mean()), rows=len(part))
            for (method, horizon), part in frame.dropna(subset=["_horizon"]).groupby(["_method", "_horizon"])]
    result = Forecast(table=table, mape=mape, filtered=filtered)
    methods = sorted({m.method for m in mape})
    naive = [m for m in methods if "naive" in m.lower()]
    result.baseline = thresholds.baseline_method or (naive[0] if len(naive) == 1 else None)
    others = [m for m in methods if m != result.baseline]
    churn = [m for m in others if "churn" in m.lower()]
    result.method = thresholds.forecast_method or (churn[0] if len(churn) == 1 else
                                                   others[0] if len(others) == 1 and not churn else None)
    listed = ", ".join(methods) or "none"
    if result.baseline is None or result.baseline not in methods:
        result.problem = (f"no single naive baseline among the methods of {table} ({listed}); "
                          "name it with --baseline-method")
    elif result.method is None or result.method not in methods:
        result.problem = (f"no single churn-model forecast among the methods of {table} ({listed}); "
                          "name it with --forecast-method")
    return result


def write_oracle_backtest(truth: str | Path, warehouse: str | Path) -> None:
    """A warehouse whose only model is the truth itself (model 'oracle', selected): its customers are the
    true customers (dim_customers from truth customers), and it scores every month end of the churn
    outlook with churn_probability_90d, labelled from the truth's churn events where the window closed,
    health_score 100 x latent health. Graded, it gives the ceiling any model can reach on the same data
    (bench/churn_oracle_ceiling.py) and checks the grader on real truth files (its tests)."""
    truth, warehouse = Path(truth), Path(warehouse)
    as_of = truth_as_of(truth, ChurnEvalError)
    files = {name: quote((truth / f"{name}.parquet").as_posix())
             for name in ("customers", "churn_outlook_monthly", "churn_events")}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"""create or replace table marts.dim_customers as
            select 'w_' || customer_key as customer_id, crm_account_id, billing_customer_id
            from read_parquet('{files["customers"]}')""")
        con.execute(f"""create or replace table marts.{SCORES} as
            select
                'w_' || o.customer_key as customer_id,
                o.month_end as observation_date,
                'oracle' as model_name,
                '1' as fold,
                o.churn_probability_90d as churn_probability,
                case when o.month_end + interval {WINDOW_DAYS} day < ? then cast(exists (
                    select 1 from read_parquet('{files["churn_events"]}') as e
                    where e.customer_key = o.customer_key and e.churn_date > o.month_end
                        and e.churn_date <= o.month_end + interval {WINDOW_DAYS} day) as integer) end
                    as churned_in_window,
                o.cancel_pending as is_cancel_pending,
                case when o.billing_interval = 'month' then 'monthly' else 'term' end as plan_group,
                cast(null as double) as mrr_amount,
                'model' as prediction_method,
                100 * o.latent_health as health_score,
                true as is_selected_model
            from read_parquet('{files["churn_outlook_monthly"]}') as o""", [as_of])


def _load(con: duckdb.DuckDBPyConnection, truth: Path, as_of: date) -> tuple[pd.DataFrame, dict]:
    tables = {name: find_table(con, name, columns, ChurnEvalError,
                               f"marts.{name} is not in the warehouse; run dbt build first (with the churn models)")
              for name, columns in WAREHOUSE_COLUMNS.items()}
    register_truth_views(con, truth, TRUTH_FILES_BY_VIEW, TRUTH_COLUMNS, ChurnEvalError)
    create_customer_keys(con, tables["dim_customers"])
    scores = tables[SCORES]
    month_end = "cast(observation_date as date) = last_day(cast(observation_date as date))"
    fallback = "coalesce(cast(prediction_method as varchar) like 'fallback%', false)"
    counts = con.execute(f"""
        select
            count(*) as total,
            count(*) filter (where not coalesce({month_end}, false)) as not_month_end,
            count(*) filter (where {month_end} and churned_in_window is null) as label_unknown,
            count(*) filter (where {month_end} and churned_in_window is not null and churn_probability is null)
                as no_probability,
            count(*) filter (where {month_end} and churned_in_window is not null and churn_probability is not null
                and {fallback}) as fallback,
            count(*) - count(distinct (model_name, customer_id, observation_date)) as duplicates
        from {scores}
    """).df().iloc[0].to_dict()
    frame = con.execute(f"""
        with outlook as (
            select
                customer_key,
                cast(month_end as date) as month_end,
                max(churn_probability_90d) as oracle_probability,
                bool_or(cancel_pending) as truth_cancel_pending
            from truth_outlook
            group by all
        ),
        s as (
            select
                cast(s.model_name as varchar) as model_name,
                cast(s.fold as varchar) as fold,
                cast(s.is_selected_model as boolean) as is_selected_model,
                s.customer_id,
                k.customer_key,
                cast(s.observation_date as date) as observation_date,
                cast(s.churn_probability as double) as churn_probability,
                cast(s.churned_in_window as integer) as churned_in_window,
                coalesce(cast(s.is_cancel_pending as boolean), false) as is_cancel_pending,
                cast(s.plan_group as varchar) as plan_group,
                cast(s.mrr_amount as double) as mrr_amount,
                cast(s.health_score as double) as health_score
            from {scores} as s
            left join customer_keys as k on k.customer_id = s.customer_id
            where {month_end} and s.churned_in_window is not null and s.churn_probability is not null
                and not {fallback.replace("prediction_method", "s.prediction_method")}
        )
        select
            s.*,
            cast(o.oracle_probability as double) as oracle_probability,
            o.truth_cancel_pending,
            case when s.observation_date + interval {WINDOW_DAYS} day < ? then exists (
                select 1 from truth_churn as c
                where c.customer_key = s.customer_key
                    and cast(c.churn_date as date) > s.observation_date
                    and cast(c.churn_date as date) <= s.observation_date + interval {WINDOW_DAYS} day
            ) end as truth_churned
        from s
        left join outlook as o on o.customer_key = s.customer_key and o.month_end = s.observation_date
        order by s.model_name, s.customer_key, s.observation_date
    """, [as_of]).df()
    return frame, counts


def _label(s: ModelSlice) -> str:
    return "all" if s.slice == "all" else f"{s.slice}={s.value}"


def _model_title(name: str, selected: bool) -> str:
    return f"{name} (selected)" if selected else name


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=118, subsequent_indent=indent)


def format_evaluation(result: ChurnEvaluation) -> str:
    r = result.rows
    share = f" ({r.unmatched / r.total:.1%} of all rows)" if r.total else ""
    pad = " " * 13
    lines = [
        *_wrap(f"churn model backtest against the truth, as of {result.as_of}: did the customer churn within "
               f"{WINDOW_DAYS} days of a month end? The oracle is the truth's own probability (what a perfect "
               "model would have said); each figure of the model stands beside the oracle's on the same rows."),
        f"selected model: {result.selected_model or 'none - ' + result.selected_problem}",
        "",
        f"rows of {SCORES}: {r.total:,} (every model)",
        f"  {r.not_month_end:>9,} not at a month end (today's scores: no outcome yet)",
        f"  {r.label_unknown:>9,} at a month end whose {WINDOW_DAYS}-day window has not closed (label unknown)",
    ]
    if r.no_probability:
        lines.append(f"  {r.no_probability:>9,} with no churn_probability")
    if r.fallback:
        lines.append(f"  {r.fallback:>9,} scored by a fallback (too little history to train that fold): not the model")
    lines += [
        *(_wrap(f"  {r.unmatched:>9,} NOT MATCHED to the truth{share}: {r.no_true_customer:,} whose customer the "
                f"truth does not know (neither dim_customers' crm_account_id nor billing_customer_id), "
                f"{r.no_truth_row:,} whose customer had no live paid subscription in the truth that month", pad)
          if r.unmatched else [f"  {0:>9,} unmatched: every row is a true customer's month end in the truth"]),
        f"  {r.graded:>9,} graded: {r.headline:,} headline rows, {r.cancel_pending:,} cancel-pending rows (apart)",
    ]
    if r.duplicates:
        lines += _wrap(f"  ({r.duplicates:,} rows repeat a model, customer and date already scored: several folds "
                       "predicted the same month)", "   ")
    if r.headline_truth_cancel_pending:
        lines += _wrap(f"  ({r.headline_truth_cancel_pending:,} headline rows are cancel-pending in the truth but "
                       "not in the warehouse: the request was not loaded yet; the oracle knows it, the model cannot)",
                       "   ")
    header = (f"{'slice':<24}{'rows':>8}{'churned':>9}{'rate':>7}{'truth':>7}{'mean p':>8}{'oracle':>8}"
              f"{'AUC':>7}{'oracle':>8}{'ratio':>7}{'lift':>7}{'oracle':>8}{'Brier':>7}{'oracle':>8}"
              f"{'health':>8}  note")
    lines += ["", *_wrap("headline rows (no cancellation pending), per model: rate = churned / rows (the "
                         "warehouse's label); truth = the truth's realised churn rate on the same rows; mean p = the "
                         "mean predicted probability (compare with rate: calibration); AUC (ranking, 0.5 = a coin), "
                         "top-decile lift (churn rate of the riskiest 10% / rate) and Brier skill (1 - Brier / "
                         "Brier of predicting the rate for everyone; 0 = no better than that), each followed by "
                         "the oracle's; health = the health score's AUC (lower score = riskier)")]
    for model in dict.fromkeys(s.model_name for s in result.slices):
        slices = [s for s in result.slices if s.model_name == model]
        lines += ["", _model_title(model, slices[0].is_selected), header]
        for s in slices:
            lines.append(f"{_label(s):<24}{s.rows:>8,}{s.churners:>9,}{fmt(s.churn_rate, '.1%'):>7}"
                         f"{fmt(s.truth_churn_rate, '.1%'):>7}{fmt(s.mean_probability, '.1%'):>8}"
                         f"{fmt(s.oracle_mean_probability, '.1%'):>8}{fmt(s.model_auc):>7}{fmt(s.oracle_auc):>8}"
                         f"{fmt(s.auc_ratio):>7}{fmt(s.model_lift, '.2f'):>7}{fmt(s.oracle_lift, '.2f'):>8}"
                         f"{fmt(s.model_brier_skill):>7}{fmt(s.oracle_brier_skill):>8}{fmt(s.health_auc):>8}"
                         f"  {s.note}".rstrip())
    lines += ["", "cancel-pending rows (the customer has asked to cancel: a known outcome, not in the headline)",
              f"{'model':<32}{'rows':>8}{'churned':>9}{'rate':>8}{'mean p':>8}{'oracle':>8}"]
    for c in result.cancel_pending:
        lines.append(f"{_model_title(c.model_name, c.is_selected):<32}{c.rows:>8,}{c.churners:>9,}"
                     f"{fmt(c.churn_rate, '.1%'):>8}{fmt(c.mean_probability, '.1%'):>8}"
                     f"{fmt(c.oracle_mean_probability, '.1%'):>8}")
    lines += ["", *_format_forecast(result.forecast), "",
              f"targets (the selected model, {result.selected_model or 'none'}, on its headline rows)",
              f"{'status':<12}{'target':<48}{'bar':>14}{'value':>10}  why"]
    for t in result.targets:
        why = t.detail or (t.message.split(": ", 1)[1] if ": " in t.message else t.message)
        if t.graded and not t.ok and t.value is not None:
            why += f" - {abs(t.value - t.limit):.4f} {'short' if t.kind == 'min' else 'over'}"
        lines.append(f"{t.status:<12}{t.name:<48}{t.bar:>14}{fmt(t.value, '+.4f' if t.kind == 'max' else '.4f'):>10}"
                     f"  {why}")
    return "\n".join(lines)


def _format_forecast(forecast: Forecast) -> list[str]:
    if forecast.table is None:
        return [f"revenue forecast backtest: not graded: table missing (no {FORECAST} in the warehouse)"]
    lines = [f"revenue forecast backtest ({forecast.table.replace(chr(34), '')}): mean MAPE per method and horizon"
             + (f", rows where {', '.join(forecast.filtered)} = 'all'" if forecast.filtered else "")]
    if forecast.problem:
        lines.append(f"cannot be graded: {forecast.problem}")
    horizons = sorted({m.horizon_months for m in forecast.mape})
    if horizons:
        lines.append(f"{'method':<32}" + "".join(f"{f'{h} months':>12}" for h in horizons))
        mape = {(m.method, m.horizon_months): m.mape for m in forecast.mape}
        for method in sorted({m.method for m in forecast.mape}):
            role = " (graded)" if method == forecast.method else " (baseline)" if method == forecast.baseline else ""
            lines.append(f"{method + role:<32}" + "".join(f"{fmt(mape.get((method, h)), '.4g'):>12}" for h in horizons))
    return lines


def format_json(result: ChurnEvaluation) -> str:
    return json.dumps(result.to_dict(), indent=2, default=str)
