"""Grade the warehouse's health score against the generator's ground truth.

The warehouse scores each customer every week (marts.fct_customer_health_weekly, week_end_date a
Sunday); the truth knows each true customer's latent health per month and every churn. A scored week
is graded against the latent health of the calendar month that contains its week_end_date and
against the churns that follow it. Warehouse customers map to true customers through the truth's
identity map: dim_customers.crm_account_id as a crm accounts record, or, when that link is missing,
dim_customers.billing_customer_id as a billing customers record. The truth is only read here, never
by a dbt model.

Figures, on customer-weeks with a score (health_band not 'insufficient_data'):

- rank correlation: Spearman's rho of health_score with latent_health, overall and per segment.
- churn within H days (H = 90, 180): a churn_date in (D, D + H], D the week_end_date, on the weeks
  whose whole window is known (D + H < as_of) and whose lifecycle_phase is not trial: a customer
  who has not paid yet converts or is lost, it cannot churn (the truth's churn events are paid
  subscriptions ending), so a trial week would only count as a stayer. Rank correlation uses every
  graded week, trials included. AUC of the score as a risk ranking (a lower score is
  riskier: the AUC of -score) and of the latent health (the AUC of -latent_health) on exactly the
  same rows, their ratio and difference, overall and per segment, lifecycle_phase and scorecard
  version. AUCs are Mann-Whitney, ties at average ranks; undefined (None) without both churners and
  non-churners.
- red band (180-day label): churn rate of red rows / churn rate of all scored rows (lift), and
  churn rate of red rows / churn rate of green rows.

Targets, graded on the overall 180-day figures: score AUC >= min_auc_ratio x latent AUC; red lift and
red-to-green ratio at least their minimums; and, at both horizons, the score AUC no more than
max_auc_excess above the latent AUC - a score that beats the true latent health by more has leaked
contract timing or the future, and fails.
"""

from __future__ import annotations

import json
import math
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
    ratio,
    register_truth_views,
    require_truth_files,
    target_lines,
    truth_as_of,
    undefined_note,
)
from .eval_common import fmt as _fmt
from .warehouse import connect_read_only

HORIZONS = (90, 180)
GRADED_HORIZON = 180
SLICES = ("segment", "lifecycle_phase", "scorecard_version")
TRUTH_FILES_BY_VIEW = {
    "truth_identity": "identity_map.parquet",
    "truth_health": "health_monthly.parquet",
    "truth_churn": "churn_events.parquet",
}
TRUTH_FILES = tuple(TRUTH_FILES_BY_VIEW.values())
WAREHOUSE_COLUMNS = {
    "fct_customer_health_weekly": ("customer_id", "week_end_date", "health_score", "health_band", "segment",
                                   "lifecycle_phase", "scorecard_id", "scorecard_version"),
    "dim_customers": CUSTOMER_COLUMNS,
}
TRUTH_COLUMNS = {
    "identity_map.parquet": IDENTITY_COLUMNS,
    "health_monthly.parquet": ("customer_key", "month_start", "latent_health"),
    "churn_events.parquet": ("customer_key", "churn_date"),
}


class HealthEvalError(CsopsError):
    """No warehouse, no ground truth, or a table or column missing from either; said in one line."""


@dataclass(frozen=True)
class Thresholds:
    min_auc_ratio: float = 0.97
    min_red_lift: float = 2.0
    min_red_to_green: float = 4.0
    max_auc_excess: float = 0.02


@dataclass(frozen=True)
class ChurnSlice:
    """Churn within `horizon_days` on one slice of the rows whose outcome window is complete."""

    horizon_days: int
    slice: str  # 'all', 'segment', 'lifecycle_phase' or 'scorecard_version'
    value: str
    rows: int
    churners: int  # rows churned within the horizon
    customers: int  # distinct true customers among the rows (rows of one customer are far from independent)
    churned_customers: int  # of those, customers with at least one churned row
    score_auc: float | None
    latent_auc: float | None
    note: str = ""  # why the AUCs are undefined, when they are

    @property
    def auc_ratio(self) -> float | None:
        return ratio(self.score_auc, self.latent_auc)

    @property
    def auc_excess(self) -> float | None:
        return excess(self.score_auc, self.latent_auc)


@dataclass(frozen=True)
class Correlation:
    slice: str
    value: str
    rows: int
    spearman: float | None


@dataclass(frozen=True)
class BandLift:
    """Red band against all scored rows and against green, on the 180-day label."""

    rows: int
    churners: int
    red_rows: int
    red_churners: int
    green_rows: int
    green_churners: int

    @property
    def churn_rate(self) -> float | None:
        return self.churners / self.rows if self.rows else None

    @property
    def red_rate(self) -> float | None:
        return self.red_churners / self.red_rows if self.red_rows else None

    @property
    def green_rate(self) -> float | None:
        return self.green_churners / self.green_rows if self.green_rows else None

    @property
    def red_lift(self) -> float | None:
        return ratio(self.red_rate, self.churn_rate)

    @property
    def red_to_green(self) -> float | None:
        return ratio(self.red_rate, self.green_rate)


@dataclass
class HealthEvaluation:
    as_of: date
    weekly_rows: int  # every row of the weekly fact
    scored_rows: int  # rows with a score
    unmapped_rows: int  # scored rows whose customer has no true customer in the identity map
    rows_without_latent: int  # mapped scored rows with no latent health for their month
    graded_rows: int  # scored rows with a true customer and a latent health
    trial_rows: int = 0  # graded rows in the trial phase: in the rank correlation, not in the churn figures
    correlations: list[Correlation] = field(default_factory=list)
    churn: list[ChurnSlice] = field(default_factory=list)
    bands: BandLift | None = None
    targets: list[Target] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t.ok for t in self.targets)

    def overall(self, horizon: int) -> ChurnSlice:
        return next(c for c in self.churn if c.horizon_days == horizon and c.slice == "all")

    def to_dict(self) -> dict:
        def churn_dict(c: ChurnSlice) -> dict:
            return {**asdict(c), "auc_ratio": c.auc_ratio, "auc_excess": c.auc_excess}

        bands = self.bands
        return {
            "as_of": self.as_of.isoformat(),
            "rows": {"weekly": self.weekly_rows, "scored": self.scored_rows, "unmapped": self.unmapped_rows,
                     "without_latent_health": self.rows_without_latent, "graded": self.graded_rows,
                     "trial": self.trial_rows},
            "rank_correlation": [asdict(c) for c in self.correlations],
            "churn": [churn_dict(c) for c in self.churn],
            "red_band": None if bands is None else {
                **asdict(bands), "horizon_days": GRADED_HORIZON, "churn_rate": bands.churn_rate,
                "red_rate": bands.red_rate, "green_rate": bands.green_rate, "red_lift": bands.red_lift,
                "red_to_green": bands.red_to_green},
            "targets": [asdict(t) for t in self.targets],
            "passed": self.passed,
        }


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho (Pearson on average ranks); None with fewer than two rows or a constant side."""
    if len(x) < 2:
        return None
    rx = pd.Series(np.asarray(x, dtype=float)).rank(method="average").to_numpy()
    ry = pd.Series(np.asarray(y, dtype=float)).rank(method="average").to_numpy()
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float((rx * rx).sum() * (ry * ry).sum()))
    return float((rx * ry).sum() / denominator) if denominator else None


def evaluate(warehouse: str | Path, truth: str | Path, thresholds: Thresholds = Thresholds()) -> HealthEvaluation:
    """Every figure and the targets graded; HealthEvalError (exit 2) when an input is missing."""
    truth = Path(truth)
    as_of = truth_as_of(truth, HealthEvalError)
    require_truth_files(truth, TRUTH_FILES, HealthEvalError)
    con = connect_read_only(warehouse)
    try:
        frame, weekly_rows = _load(con, truth)
    finally:
        con.close()
    return grade(frame, as_of, thresholds, weekly_rows=weekly_rows)


def grade(frame: pd.DataFrame, as_of: date, thresholds: Thresholds = Thresholds(),
          weekly_rows: int | None = None) -> HealthEvaluation:
    """The figures from one row per scored customer-week: customer_key (None when unmapped),
    week_end_date, health_score, health_band, segment, lifecycle_phase, scorecard_version,
    latent_health (None when unknown) and churn_in_<H>d (whether a churn falls in (D, D + H])."""
    frame = frame.assign(week_end_date=pd.to_datetime(frame["week_end_date"]))
    mapped = frame["customer_key"].notna()
    has_latent = mapped & frame["latent_health"].notna()
    rows = frame[has_latent]
    result = HealthEvaluation(
        as_of=as_of,
        weekly_rows=len(frame) if weekly_rows is None else weekly_rows,
        scored_rows=len(frame),
        unmapped_rows=int((~mapped).sum()),
        rows_without_latent=int((mapped & ~has_latent).sum()),
        graded_rows=len(rows),
        trial_rows=int((rows["lifecycle_phase"] == "trial").sum()),
    )
    score = rows["health_score"].to_numpy(dtype=float)
    latent = rows["latent_health"].to_numpy(dtype=float)
    result.correlations.append(Correlation("all", "all", len(rows), spearman(score, latent)))
    for value, part in _groups(rows, "segment"):
        result.correlations.append(Correlation("segment", value, len(part), spearman(
            part["health_score"].to_numpy(dtype=float), part["latent_health"].to_numpy(dtype=float))))

    rows = rows[rows["lifecycle_phase"] != "trial"]  # churn is graded on customers who had paid
    for horizon in HORIZONS:
        known = rows[_window_known(rows, as_of, horizon)]
        result.churn.append(_churn_slice(known, horizon, "all", "all"))
        for column in SLICES:
            for value, part in _groups(known, column):
                result.churn.append(_churn_slice(part, horizon, column, value))

    known = rows[_window_known(rows, as_of, GRADED_HORIZON)]
    churned = known[f"churn_in_{GRADED_HORIZON}d"].to_numpy(dtype=bool)
    red = (known["health_band"] == "red").to_numpy()
    green = (known["health_band"] == "green").to_numpy()
    result.bands = BandLift(len(known), int(churned.sum()), int(red.sum()), int((red & churned).sum()),
                            int(green.sum()), int((green & churned).sum()))
    result.targets = _targets(result, thresholds)
    return result


def _window_known(rows: pd.DataFrame, as_of: date, horizon: int) -> np.ndarray:
    """Rows whose whole outcome window (D, D + horizon] lies before the as-of: D + horizon < as_of."""
    return (rows["week_end_date"] + pd.Timedelta(days=horizon) < pd.Timestamp(as_of)).to_numpy()


def _churn_slice(rows: pd.DataFrame, horizon: int, slice_: str, value: str) -> ChurnSlice:
    churned = rows[f"churn_in_{horizon}d"].to_numpy(dtype=bool)
    n, churners = len(rows), int(churned.sum())
    note = undefined_note(n, churners, "no rows with a full outcome window")
    return ChurnSlice(
        horizon_days=horizon, slice=slice_, value=value, rows=n, churners=churners,
        customers=int(rows["customer_key"].nunique()),
        churned_customers=int(rows.loc[churned, "customer_key"].nunique()),
        score_auc=auc(-rows["health_score"].to_numpy(dtype=float), churned),
        latent_auc=auc(-rows["latent_health"].to_numpy(dtype=float), churned),
        note=note,
    )


def _targets(result: HealthEvaluation, t: Thresholds) -> list[Target]:
    targets = []
    graded = result.overall(GRADED_HORIZON)
    why = f" ({graded.note}, {graded.rows:,} rows)" if graded.note else ""
    targets.append(at_least(f"{GRADED_HORIZON}-day churn AUC / latent health AUC", graded.auc_ratio,
                             t.min_auc_ratio, why))
    for horizon in HORIZONS:
        c = result.overall(horizon)
        targets.append(at_most_above(
            f"{horizon}-day churn AUC above latent health AUC (leakage)", c.score_auc, c.latent_auc,
            t.max_auc_excess, ("score", "latent"),
            "the score beats the true latent health, so it has leaked contract timing or the future",
            f" ({c.note}, {c.rows:,} rows)"))
    bands = result.bands
    assert bands is not None
    targets.append(at_least(f"red band {GRADED_HORIZON}-day churn lift", bands.red_lift, t.min_red_lift,
                             _band_note(bands)))
    name = f"red-to-green {GRADED_HORIZON}-day churn ratio"
    if bands.red_to_green is None and bands.red_rate and bands.green_rows and not bands.green_churners:
        # red rows churn and green ones never do: the ratio is unbounded, which meets any minimum
        targets.append(Target(name, None, t.min_red_to_green, "min", True,
                              f"{name}: unbounded, no churners among {bands.green_rows:,} green rows "
                              f"against {bands.red_rate:.2%} of red rows (min {t.min_red_to_green:g})"))
    else:
        targets.append(at_least(name, bands.red_to_green, t.min_red_to_green, _band_note(bands, green=True)))
    return targets


def _band_note(bands: BandLift, green: bool = False) -> str:
    """Why the red lift (or the red-to-green ratio) is undefined."""
    if bands.red_rows == 0:
        return f" (no red rows with a full {GRADED_HORIZON}-day window)"
    if green and bands.green_rows == 0:
        return f" (no green rows with a full {GRADED_HORIZON}-day window)"
    if green and bands.green_churners == 0:
        return f" (no churners among {bands.green_rows:,} green rows nor {bands.red_rows:,} red rows)"
    if bands.churners == 0:
        return f" (no churners among {bands.rows:,} scored rows)"
    return ""


def _groups(rows: pd.DataFrame, column: str) -> list[tuple[str, pd.DataFrame]]:
    keys = rows[column].fillna("(none)").astype(str)
    return [(str(value), part) for value, part in rows.groupby(keys, sort=True)]


def _load(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[pd.DataFrame, int]:
    tables = {name: _table(con, name) for name in WAREHOUSE_COLUMNS}
    register_truth_views(con, truth, TRUTH_FILES_BY_VIEW, TRUTH_COLUMNS, HealthEvalError)
    weekly, customers = tables["fct_customer_health_weekly"], tables["dim_customers"]
    create_customer_keys(con, customers)
    weekly_rows = con.execute(f"select count(*) from {weekly}").fetchone()[0]
    churn_flags = ",\n".join(
        f"exists (select 1 from truth_churn as c where c.customer_key = w.customer_key and "
        f"c.churn_date > w.week_end_date and c.churn_date <= w.week_end_date + interval {h} day) as churn_in_{h}d"
        for h in HORIZONS)
    frame = con.execute(f"""
        with latent as (
            select customer_key, cast(month_start as date) as month_start, avg(latent_health) as latent_health
            from truth_health group by all
        ),
        w as (
            select
                k.customer_key,
                cast(f.week_end_date as date) as week_end_date,
                cast(f.health_score as double) as health_score,
                f.health_band,
                f.segment,
                f.lifecycle_phase,
                coalesce(cast(f.scorecard_id as varchar), '?')
                    || ' v' || coalesce(cast(f.scorecard_version as varchar), '?') as scorecard_version
            from {weekly} as f
            left join customer_keys as k on k.customer_id = f.customer_id
            where f.health_score is not null and f.health_band is distinct from 'insufficient_data'
        )
        select
            w.*,
            cast(latent.latent_health as double) as latent_health,
            {churn_flags}
        from w
        left join latent
            on latent.customer_key = w.customer_key
            and latent.month_start = cast(date_trunc('month', w.week_end_date) as date)
        order by w.customer_key, w.week_end_date
    """).df()
    return frame, weekly_rows


def _table(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """'<schema>.<name>', marts preferred; HealthEvalError naming the table or column when missing."""
    return find_table(con, name, WAREHOUSE_COLUMNS[name], HealthEvalError,
                      f"marts.{name} is not in the warehouse; run dbt build first")


def format_evaluation(result: HealthEvaluation) -> str:
    lines = [
        f"as of {result.as_of}: {result.weekly_rows:,} customer-weeks, {result.scored_rows:,} with a score, "
        f"{result.graded_rows:,} graded ({result.unmapped_rows:,} with no true customer, "
        f"{result.rows_without_latent:,} with no latent health for the month); "
        f"{result.trial_rows:,} graded weeks are trial weeks: in the rank correlation, not in the churn figures",
        "",
        "rank correlation of health_score with latent health (Spearman)",
        f"{'slice':<36}{'rows':>9}{'rho':>8}",
    ]
    for c in result.correlations:
        label = "all" if c.slice == "all" else f"{c.slice}={c.value}"
        lines.append(f"{label:<36}{c.rows:>9,}{_fmt(c.spearman):>8}")
    for horizon in HORIZONS:
        lines += ["", f"churn within {horizon} days (weeks whose window ends before {result.as_of}); "
                      "AUC of -score and of -latent health on the same rows",
                  f"{'slice':<36}{'rows':>9}{'churners':>10}{'customers':>11}{'churned':>9}{'score AUC':>11}"
                  f"{'latent AUC':>12}{'ratio':>8}{'excess':>8}  note"]
        for c in result.churn:
            if c.horizon_days != horizon:
                continue
            label = "all" if c.slice == "all" else f"{c.slice}={c.value}"
            lines.append(f"{label:<36}{c.rows:>9,}{c.churners:>10,}{c.customers:>11,}{c.churned_customers:>9,}"
                         f"{_fmt(c.score_auc):>11}{_fmt(c.latent_auc):>12}{_fmt(c.auc_ratio):>8}"
                         f"{_fmt(c.auc_excess, '+.3f'):>8}  {c.note}".rstrip())
    b = result.bands
    if b is not None:
        lines += ["", f"bands, churn within {GRADED_HORIZON} days",
                  f"all scored: {b.churners:,} of {b.rows:,} churned ({_fmt(b.churn_rate, '.2%')}); "
                  f"red: {b.red_churners:,} of {b.red_rows:,} ({_fmt(b.red_rate, '.2%')}); "
                  f"green: {b.green_churners:,} of {b.green_rows:,} ({_fmt(b.green_rate, '.2%')})",
                  f"red lift {_fmt(b.red_lift, '.2f')}, red-to-green {_fmt(b.red_to_green, '.2f')}"]
    lines += ["", "targets"]
    lines += target_lines(result.targets)
    return "\n".join(lines)


def format_json(result: HealthEvaluation) -> str:
    return json.dumps(result.to_dict(), indent=2)
