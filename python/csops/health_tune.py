"""Propose health scorecard weights from the warehouse's past: `csops tune-health`. Never publishes.

For one scorecard (the published version in force on the warehouse's as-of day, read from the
seeds as loaded: health_scorecards / health_scorecard_measures), the customer-weeks it applies to
(int_health_customer_days week ends whose segment and lifecycle phase it lists, matched with the
same LIKE test as csops.health_measure_scores; trial weeks left out, as in the backtest: a trial
cannot churn) whose 180 days have passed by the as-of day are
scored in Python exactly as the SQL does (`measure_scores`, `weighted_scores`) and labelled with
churn within 180 days by the SQL of rpt_health_score_backtest (its churns CTE and its exists test,
copied verbatim into CHURN_LABEL_SQL). Before fitting, the Python score of the current version is
checked against int_customer_health_scored.health_score on every row it has (within 0.05: the SQL
rounds to one decimal); a difference is an error, not a proposal.

The customer-weeks are split by date: the judged part is the weeks from the split date (default:
the last third of the distinct weeks), the fit part the weeks at least 180 days before it, so no
fit label overlaps a judged one. Weights are fitted on the fit part by a deterministic coordinate
search that maximises the AUC of the score itself (missing-measure rules, redistribution and all)
for churn within 180 days, a move kept only when it helps in each of three folds of customers;
each weight stays at least MIN_WEIGHT (the seed test wants weight > 0),
the weights are scaled to the current total and rounded to whole numbers (largest remainder, so
the total is kept). Thresholds, freshness limits, missing rules and cut-offs stay as they are.

On the judged part - the rows both versions score (enough weight present under each) - the
current version and the candidate are compared: AUC, red-band lift, red-to-green ratio, counts.
The candidate is written as seed rows (status candidate, effective_from the day after the as-of
day, version max + 1) to the output folder, never to seeds/: copied into the seeds and built, it
appears in rpt_health_score_backtest beside the published version.
"""

from __future__ import annotations

import csv
import io
import math
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .errors import CsopsError
from .eval_common import auc, find_table
from .eval_common import fmt as _fmt
from .health_eval import BandLift
from .warehouse import connect_read_only

HORIZON_DAYS = 180
SQL_TOLERANCE = 0.05  # int_customer_health_scored rounds the score to one decimal
MIN_WEIGHT = 1.0  # seeds/_seeds.yml: weight > 0; whole numbers read best
SEARCH_FACTORS = (0.0, 0.5, 0.8, 1.25, 2.0, 3.0)
SEARCH_MAX_PASSES = 6
SEARCH_MIN_GAIN = 1e-4  # an AUC gain below this is noise, not a reason to move a weight
SEARCH_FOLDS = 3  # a move must raise the AUC within each of this many folds of customers
DEFAULT_OUT = Path("warehouse/tune-health")
MEASURES_FILE = "health_scorecard_measures_candidate.csv"
SCORECARDS_FILE = "health_scorecards_candidate.csv"
REPORT_FILE = "tune_health_backtest.md"

# rpt_health_score_backtest's churns CTE and its churned_180d test, with dbt.dateadd as DuckDB spells it
CHURN_LABEL_SQL = """
with churns as (
    select
        movements.customer_id,
        coalesce(
            max(cast(endings.ended_at as date)),
            movements.month_start_date
        ) as churn_date
    from {movements} as movements
    left join {endings} as endings
        on
            movements.customer_id = endings.customer_id
            and endings.ended_month_start_date = movements.month_start_date
    where movements.movement_type = 'churn'
    group by movements.customer_id, movements.month_start_date
),
weeks as (
    select days.customer_id, days.scored_date, days.segment, days.lifecycle_phase
    from {days} as days
    cross join {as_of} as as_of
    where
        days.is_week_end
        and '|' || ? || '|' like '%|' || days.segment || '|%'
        and '|' || ? || '|' like '%|' || days.lifecycle_phase || '|%'
        and days.lifecycle_phase != 'trial'
        and days.scored_date <= cast(date_add(as_of.as_of_date, interval (-{horizon}) day) as date)
)
select
    weeks.*,
    exists (
        select 1 from churns
        where
            churns.customer_id = weeks.customer_id
            and churns.churn_date > weeks.scored_date
            and churns.churn_date <= cast(date_add(weeks.scored_date, interval ({horizon}) day) as date)
    ) as churned
from weeks
order by weeks.customer_id, weeks.scored_date
"""


class TuneHealthError(CsopsError):
    """No warehouse, no scorecard, no weeks with a full outcome window, no churner to learn from; one line."""


@dataclass(frozen=True)
class Measure:
    """One row of health_scorecard_measures, as the scoring needs it."""

    measure: str
    weight: float
    red_threshold: float
    green_threshold: float
    freshness_days: float | None = None
    when_missing: str = "redistribute"
    missing_score: float | None = None


def measure_scores(value: np.ndarray, last_input_date: np.ndarray, scored_date: np.ndarray, m: Measure,
                   red_below: float, green_from: float) -> tuple[np.ndarray, np.ndarray]:
    """(score, present) of one measure on many customer-days, as csops.health_measure_scores has it.

    present: a value, and (with a freshness limit) a latest input no older than freshness_days
    before the day - an unknown input date is not stale. score: red_below at the red threshold,
    green_from at the green one, linear, clamped to 0-100; a missing measure scores missing_score
    under fixed_score and NaN (not counted) under redistribute.
    """
    value = np.asarray(value, dtype=float)
    has_value = ~np.isnan(value)
    stale = np.zeros(len(value), dtype=bool)
    if m.freshness_days is not None and not (isinstance(m.freshness_days, float) and math.isnan(m.freshness_days)):
        last = pd.to_datetime(pd.Series(last_input_date)).to_numpy("datetime64[D]")
        limit = pd.to_datetime(pd.Series(scored_date)).to_numpy("datetime64[D]") - np.timedelta64(
            int(m.freshness_days), "D")
        known = ~np.isnat(last)
        stale[known] = last[known] < limit[known]
        stale &= has_value
    present = has_value & ~stale
    with np.errstate(invalid="ignore"):
        raw = red_below + (value - m.red_threshold) / (m.green_threshold - m.red_threshold) * (green_from - red_below)
    score = np.where(present, np.clip(raw, 0.0, 100.0), np.nan)
    if m.when_missing == "fixed_score":
        score = np.where(present, score, float(m.missing_score))
    return score, present


def weighted_scores(scores: np.ndarray, present: np.ndarray, weights: np.ndarray,
                    min_weight_present: float | None) -> np.ndarray:
    """The health score of each row (rows x measures matrices): the weighted average of the counted
    measures (score not NaN); NaN when the present measures carry less than min_weight_present of
    the weight (None: no such test) or nothing is counted."""
    weights = np.asarray(weights, dtype=float)
    counted = ~np.isnan(scores)
    counted_weight = counted @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(counted, scores, 0.0) @ weights / counted_weight
    result[counted_weight <= 0] = np.nan
    if min_weight_present is not None:
        share = present @ weights / weights.sum()
        result[share < min_weight_present] = np.nan
    return result


def bands(score: np.ndarray, red_below: float, green_from: float) -> np.ndarray:
    return np.where(score < red_below, "red", np.where(score >= green_from, "green", "yellow"))


def customer_folds(customers: np.ndarray, folds: int = SEARCH_FOLDS) -> np.ndarray:
    """A fold number per row from a stable hash of its customer: a customer's weeks stay together."""
    return np.array([zlib.crc32(str(c).encode()) % folds for c in customers], dtype=int)


def fit_weights(scores: np.ndarray, churned: np.ndarray, start: np.ndarray, total: float,
                min_weight: float = MIN_WEIGHT, groups: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Non-negative weights (each >= min_weight, summing to total) that maximise the AUC of -score for
    churn, by coordinate search from `start`: each pass tries every measure's weight times each of
    SEARCH_FACTORS and keeps the best move if it gains at least SEARCH_MIN_GAIN. With `groups` (the
    customer of each row), a move must also raise the AUC within every one of SEARCH_FOLDS folds of
    customers: a customer-week is far from independent of the customer's other weeks, and a move
    that only helps a few churned customers is noise (on small data, without this rule the fit AUC
    rose 0.69 -> 0.78 while the judged AUC fell). Deterministic. Returns (weights, fit AUC)."""
    churned = np.asarray(churned, dtype=bool)
    fold_rows = []
    if groups is not None:
        folds = customer_folds(np.asarray(groups))
        fold_rows = [np.flatnonzero(folds == k) for k in range(SEARCH_FOLDS)]
        fold_rows = [r for r in fold_rows if 0 < churned[r].sum() < len(r)]

    def normalised(w: np.ndarray) -> np.ndarray:
        """Scaled to the total with every weight at least min_weight: the weights at the floor stay
        there and the others share what is left (a free weight scaled below the floor joins them)."""
        floored = w <= min_weight
        for _ in range(len(w) + 1):
            free = ~floored
            left = total - min_weight * floored.sum()
            out = np.where(floored, min_weight, 0.0)
            if free.any() and w[free].sum() > 0:
                out[free] = w[free] * left / w[free].sum()
            if not (free & (out < min_weight)).any():
                return out
            floored |= free & (out < min_weight)
        return out

    def score_auc(w: np.ndarray) -> tuple[float, list[float]]:
        s = weighted_scores(scores, np.ones_like(scores, dtype=bool), w, None)
        s = np.where(np.isnan(s), np.nanmedian(s) if np.isfinite(s).any() else 0.0, s)
        return auc(-s, churned) or 0.0, [auc(-s[r], churned[r]) or 0.0 for r in fold_rows]

    best = normalised(np.asarray(start, dtype=float).copy())
    best_auc, best_folds = score_auc(best)
    for _ in range(SEARCH_MAX_PASSES):
        moved = False
        for j in range(len(best)):
            step = None
            for factor in SEARCH_FACTORS:
                trial = best.copy()
                trial[j] = best[j] * factor
                trial = normalised(trial)
                if np.allclose(trial, best):
                    continue
                a, a_folds = score_auc(trial)
                if (a >= best_auc + SEARCH_MIN_GAIN and all(x > y for x, y in zip(a_folds, best_folds, strict=True))
                        and (step is None or a > step[1])):
                    step = (trial, a, a_folds)
            if step is not None:
                best, best_auc, best_folds = step
                moved = True
        if not moved:
            break
    return best, best_auc


def round_weights(weights: np.ndarray, total: float, min_weight: float = MIN_WEIGHT) -> np.ndarray:
    """Whole-number weights (each >= min_weight) summing to round(total), by largest remainder."""
    target = int(round(total))
    floors = np.maximum(np.floor(weights), min_weight)
    remainders = weights - np.floor(weights)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    k = 0
    while floors.sum() < target:
        floors[order[k % len(order)]] += 1
        k += 1
    while floors.sum() > target:  # a floor of min_weight can overshoot: take from the largest
        i = max(range(len(floors)), key=lambda i: (floors[i], -i))
        floors[i] -= 1
    return floors


@dataclass(frozen=True)
class Judged(BandLift):
    """One version's figures on the judged customer-weeks: the band figures of `csops
    evaluate-health` (churn rate, red lift, red-to-green), with the AUC and the customers behind them."""

    auc: float | None = None
    customers: int = 0
    churned_customers: int = 0


def judge(score: np.ndarray, churned: np.ndarray, red_below: float, green_from: float,
          customers: np.ndarray | None = None) -> Judged:
    churned = np.asarray(churned, dtype=bool)
    customers = np.asarray(customers if customers is not None else np.arange(len(score)))
    band = bands(score, red_below, green_from)
    red, green = band == "red", band == "green"
    return Judged(rows=len(score), churners=int(churned.sum()), auc=auc(-score, churned),
                  red_rows=int(red.sum()), red_churners=int((red & churned).sum()),
                  green_rows=int(green.sum()), green_churners=int((green & churned).sum()),
                  customers=len(set(customers.tolist())), churned_customers=len(set(customers[churned].tolist())))


@dataclass
class Tuning:
    scorecard_id: str
    current_version: int
    candidate_version: int
    as_of: date
    split_date: date
    last_fit_date: date
    gap_days: int
    measures: list[str]
    current_weights: np.ndarray
    candidate_weights: np.ndarray
    fit_rows: int
    fit_churners: int
    fit_first: date
    fit_last: date
    fit_auc_current: float | None
    fit_auc_candidate: float | None
    judged_first: date
    judged_last: date
    judged_dropped: int  # judged rows one of the two versions cannot score (too little weight present)
    current: Judged
    candidate: Judged
    sql_rows_checked: int = 0
    sql_max_diff: float = 0.0
    labelled_rows: int = 0  # scored customer-weeks with a full window, all dates (the backtest report's rows)
    labelled_churners: int = 0
    report_labels: tuple[int, int] | None = None  # rpt_health_score_backtest's, when built
    files: list[Path] = field(default_factory=list)
    current_score: np.ndarray | None = None  # the Python score of the current version, rows of Inputs.weeks


# ---------------------------------------------------------------------------------------------
# warehouse


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: tuple[str, ...]) -> str:
    """'"schema"."name"' of a table of the warehouse (the seeds land in main), or TuneHealthError."""
    return find_table(con, name, columns, TuneHealthError, f"{name} is not in the warehouse; run dbt build first",
                      schemas=())


def _seed_frame(con: duckdb.DuckDBPyConnection, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    table = _table(con, name, columns)
    return con.execute(f"select * from {table}").df()


@dataclass
class Inputs:
    card: dict  # the health_scorecards row of the version in force, seed columns in order
    card_columns: list[str]
    measure_rows: pd.DataFrame  # its health_scorecard_measures rows, seed columns in order
    next_version: int
    as_of: date
    weeks: pd.DataFrame  # customer_id, scored_date, segment, lifecycle_phase, churned
    values: pd.DataFrame  # customer_id, scored_date, measure, measure_value, last_input_date


def load(con: duckdb.DuckDBPyConnection, scorecard_id: str) -> Inputs:
    cards = _seed_frame(con, "health_scorecards", (
        "scorecard_id", "scorecard_version", "status", "effective_from", "effective_to", "applies_to_segments",
        "applies_to_phases", "min_weight_present", "red_below", "green_from"))
    card_measures = _seed_frame(con, "health_scorecard_measures", (
        "scorecard_id", "scorecard_version", "measure", "weight", "red_threshold", "green_threshold",
        "freshness_days", "when_missing", "missing_score"))
    as_of_table = _table(con, "int_warehouse_as_of", ("as_of_date",))
    as_of = con.execute(f"select max(as_of_date) from {as_of_table}").fetchone()[0]
    if as_of is None:
        raise TuneHealthError(f"{as_of_table} is empty; rebuild the warehouse")
    mine = cards[cards["scorecard_id"] == scorecard_id]
    if mine.empty:
        known = ", ".join(sorted(cards["scorecard_id"].astype(str).unique()))
        raise TuneHealthError(f"no scorecard {scorecard_id!r} in the warehouse's health_scorecards (known: {known})")
    frm = pd.to_datetime(mine["effective_from"])
    to = pd.to_datetime(mine["effective_to"])
    day = pd.Timestamp(as_of)
    in_force = mine[(mine["status"] == "published") & (frm <= day) & (to.isna() | (to > day))]
    if len(in_force) != 1:
        raise TuneHealthError(f"scorecard {scorecard_id!r} has {len(in_force)} published versions in force on "
                              f"{as_of}; fix seeds/health_scorecards.csv")
    card = in_force.iloc[0].to_dict()
    version = int(card["scorecard_version"])
    rows = card_measures[(card_measures["scorecard_id"] == scorecard_id)
                         & (card_measures["scorecard_version"] == version)].sort_values("measure", kind="stable")
    if rows.empty:
        raise TuneHealthError(f"scorecard {scorecard_id!r} version {version} has no measures")
    mine_measures = card_measures[card_measures["scorecard_id"] == scorecard_id]["scorecard_version"]
    next_version = int(max(mine["scorecard_version"].max(), mine_measures.max())) + 1

    days = _table(con, "int_health_customer_days", ("customer_id", "scored_date", "is_week_end", "segment",
                                                    "lifecycle_phase"))
    movements = _table(con, "fct_mrr_movements", ("customer_id", "month_start_date", "movement_type"))
    endings = _table(con, "int_subscriptions_endings_typed", ("customer_id", "ended_month_start_date", "ended_at"))
    unpivoted = _table(con, "int_health_measures_unpivoted", ("customer_id", "scored_date", "measure",
                                                              "measure_value", "last_input_date"))
    sql = CHURN_LABEL_SQL.format(movements=movements, endings=endings, days=days, as_of=as_of_table,
                                 horizon=HORIZON_DAYS)
    weeks = con.execute(sql, [card["applies_to_segments"], card["applies_to_phases"]]).df()
    con.register("_tune_weeks", weeks[["customer_id", "scored_date"]])
    values = con.execute(
        f"""select u.customer_id, u.scored_date, u.measure, u.measure_value, u.last_input_date
            from {unpivoted} as u
            inner join _tune_weeks as w on u.customer_id = w.customer_id and u.scored_date = w.scored_date
            where u.measure in (select unnest(?))
            order by u.customer_id, u.scored_date, u.measure""", [list(rows["measure"])]).df()
    con.unregister("_tune_weeks")
    return Inputs(card=card, card_columns=list(cards.columns), measure_rows=rows.reset_index(drop=True),
                  next_version=next_version, as_of=as_of, weeks=weeks, values=values)


def measures_of(rows: pd.DataFrame) -> list[Measure]:
    def opt(x) -> float | None:
        return None if x is None or pd.isna(x) else float(x)

    return [Measure(measure=r.measure, weight=float(r.weight), red_threshold=float(r.red_threshold),
                    green_threshold=float(r.green_threshold), freshness_days=opt(r.freshness_days),
                    when_missing=str(r.when_missing), missing_score=opt(r.missing_score))
            for r in rows.itertuples(index=False)]


def score_matrix(weeks: pd.DataFrame, values: pd.DataFrame, measures: list[Measure], red_below: float,
                 green_from: float) -> tuple[np.ndarray, np.ndarray]:
    """(scores, present) matrices, rows in the order of `weeks`, one column per measure."""
    keys = pd.MultiIndex.from_frame(weeks[["customer_id", "scored_date"]])
    scores = np.empty((len(weeks), len(measures)))
    present = np.empty((len(weeks), len(measures)), dtype=bool)
    by_measure = dict(tuple(values.groupby("measure", sort=False)))
    for j, m in enumerate(measures):
        v = by_measure.get(m.measure)
        if v is None:
            value = np.full(len(weeks), np.nan)
            last = pd.Series(pd.NaT, index=range(len(weeks)))
        else:
            v = v.drop_duplicates(["customer_id", "scored_date"]).set_index(["customer_id", "scored_date"])
            v = v.reindex(keys)
            value = v["measure_value"].to_numpy(dtype=float)
            last = v["last_input_date"].reset_index(drop=True)
        scores[:, j], present[:, j] = measure_scores(value, last, weeks["scored_date"].reset_index(drop=True), m,
                                                     red_below, green_from)
    return scores, present


def check_against_sql(con: duckdb.DuckDBPyConnection, weeks: pd.DataFrame, python_score: np.ndarray,
                      scorecard_id: str, version: int) -> tuple[int, float, pd.DataFrame]:
    """Compare the Python score with int_customer_health_scored.health_score on the rows the version
    scored: (rows compared, max |difference|, rows differing by more than SQL_TOLERANCE or scored on
    one side only)."""
    scored = _table(con, "int_customer_health_scored", ("customer_id", "scored_date", "scorecard_id",
                                                        "scorecard_version", "health_score"))
    sql = con.execute(f"select customer_id, scored_date, health_score from {scored} "
                      "where scorecard_id = ? and scorecard_version = ?", [scorecard_id, version]).df()
    mine = weeks[["customer_id", "scored_date"]].assign(python_score=python_score)
    both = mine.merge(sql, on=["customer_id", "scored_date"], how="inner")
    diff = (both["python_score"] - both["health_score"]).abs()
    one_side = both["python_score"].isna() != both["health_score"].isna()
    bad = both[(diff > SQL_TOLERANCE + 1e-6) | one_side]
    return len(both), float(diff.max()) if diff.notna().any() else 0.0, bad


def check_labels(con: duckdb.DuckDBPyConnection, scorecard_id: str, version: int, rows: int,
                 churners: int) -> tuple[int, int] | None:
    """rpt_health_score_backtest's (customer_weeks, churned_180d) of the version over all segments and
    phases, which must equal the scored rows and churners here; None when the report is not built."""
    found = con.execute("select table_schema from information_schema.tables "
                        "where table_name = 'rpt_health_score_backtest' order by table_schema").fetchall()
    if not found:
        return None
    row = con.execute(f'select customer_weeks, churned_180d from "{found[0][0]}".rpt_health_score_backtest '
                      "where scorecard_id = ? and scorecard_version = ? and segment = 'all' "
                      "and lifecycle_phase = 'all' and journey_stage = 'all'", [scorecard_id, version]).fetchone()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


# ---------------------------------------------------------------------------------------------
# the command


def default_split(week_dates: pd.Series) -> date:
    """The first week of the last third of the distinct weeks."""
    weeks = sorted(pd.Series(week_dates).unique())
    k = max(1, len(weeks) // 3)
    return pd.Timestamp(weeks[len(weeks) - k]).date()


def tune(inputs: Inputs, split_date: date | None = None,
         gap_days: int = HORIZON_DAYS) -> tuple[Tuning, pd.DataFrame, dict]:
    """Fit and judge; returns (the tuning, the candidate's measure rows, its scorecard row)."""
    if gap_days < 0:
        raise TuneHealthError(f"the gap between fit and judged weeks must be 0 days or more, not {gap_days}")
    card = inputs.card
    scorecard_id = str(card["scorecard_id"])
    version = int(card["scorecard_version"])
    red_below, green_from = float(card["red_below"]), float(card["green_from"])
    min_present = float(card["min_weight_present"])
    measures = measures_of(inputs.measure_rows)
    names = [m.measure for m in measures]
    current_w = np.array([m.weight for m in measures])
    total = float(current_w.sum())

    weeks = inputs.weeks.reset_index(drop=True)
    if weeks.empty:
        raise TuneHealthError(f"no customer-weeks of scorecard {scorecard_id!r} have their {HORIZON_DAYS} days of "
                              f"outcome by the as-of day {inputs.as_of}; the history is too short")
    weeks = weeks.assign(scored_date=pd.to_datetime(weeks["scored_date"]).dt.date)
    values = inputs.values.assign(scored_date=pd.to_datetime(inputs.values["scored_date"]).dt.date)
    scores, present = score_matrix(weeks, values, measures, red_below, green_from)
    current_score = weighted_scores(scores, present, current_w, min_present)
    scored = ~np.isnan(current_score)
    if not scored.any():
        raise TuneHealthError(f"no customer-week of scorecard {scorecard_id!r} with a full {HORIZON_DAYS}-day "
                              f"outcome window has a score (too little weight present)")
    dates = pd.Series(weeks["scored_date"])
    split = split_date or default_split(dates[scored])
    last_fit = split - timedelta(days=gap_days)
    churned = weeks["churned"].to_numpy(dtype=bool)
    fit = scored & (dates <= last_fit).to_numpy()
    judged = scored & (dates >= split).to_numpy()
    span = (max(dates[scored]) - min(dates[scored])).days
    for part, mask, when in (("fit", fit, f"on or before {last_fit}"), ("judged", judged, f"from {split}")):
        if not mask.any() and part == "fit":
            raise TuneHealthError(f"the scored customer-weeks with a full {HORIZON_DAYS}-day outcome window run from "
                                  f"{min(dates[scored])} to {max(dates[scored])} ({span} days): none is on or before "
                                  f"{last_fit}, {gap_days} days before the split {split}; a longer history or a later "
                                  f"--split-date is needed")
        if not mask.any():
            raise TuneHealthError(f"no scored customer-week in the {part} part (weeks {when}); "
                                  f"pick another --split-date")
        if not churned[mask].any():
            raise TuneHealthError(f"no churner in the {part} part ({int(mask.sum()):,} customer-weeks {when}); "
                                  f"nothing to learn or judge - pick another --split-date")
        if churned[mask].all():
            raise TuneHealthError(f"every customer-week of the {part} part ({when}) churned; pick another --split-date")

    fitted, _ = fit_weights(scores[fit], churned[fit], current_w, total,
                            groups=weeks["customer_id"].to_numpy()[fit])
    candidate_w = round_weights(fitted, total)
    candidate_score = weighted_scores(scores, present, candidate_w, min_present)
    both = judged & ~np.isnan(candidate_score)
    customer_ids = weeks["customer_id"].to_numpy()
    fit_dates = dates[fit]
    judged_dates = dates[both]
    tuning = Tuning(
        scorecard_id=scorecard_id, current_version=version, candidate_version=inputs.next_version,
        as_of=inputs.as_of, split_date=split, last_fit_date=last_fit, gap_days=gap_days, measures=names,
        current_weights=current_w, candidate_weights=candidate_w,
        fit_rows=int(fit.sum()), fit_churners=int(churned[fit].sum()),
        fit_first=min(fit_dates), fit_last=max(fit_dates),
        fit_auc_current=auc(-current_score[fit], churned[fit]),
        fit_auc_candidate=auc(-np.nan_to_num(candidate_score[fit], nan=np.nanmedian(candidate_score[fit])),
                              churned[fit]),
        judged_first=min(judged_dates) if len(judged_dates) else split,
        judged_last=max(judged_dates) if len(judged_dates) else split,
        judged_dropped=int(judged.sum() - both.sum()),
        current=judge(current_score[both], churned[both], red_below, green_from, customer_ids[both]),
        candidate=judge(candidate_score[both], churned[both], red_below, green_from, customer_ids[both]),
        current_score=current_score,
        labelled_rows=int(scored.sum()), labelled_churners=int(churned[scored].sum()),
    )
    candidate_rows = inputs.measure_rows.copy()
    candidate_rows["scorecard_version"] = inputs.next_version
    candidate_rows["weight"] = candidate_w
    candidate_card = dict(card)
    candidate_card.update(
        scorecard_version=inputs.next_version, status="candidate",
        effective_from=inputs.as_of + timedelta(days=1), effective_to=None,
        description=f"Candidate from csops tune-health on {inputs.as_of}: weights of {scorecard_id} "
                    f"version {version} refitted on customer-weeks up to {last_fit} (180-day churn AUC), "
                    f"judged from {split}; thresholds unchanged")
    return tuning, candidate_rows, candidate_card


def _cell(x) -> str:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return str(int(x)) if x.is_integer() else repr(x)
    return str(x)


def to_csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return out.getvalue()


def _ratio_text(j: Judged) -> str:
    if j.red_to_green is None and j.green_rows and not j.green_churners and j.red_churners:
        return "n/a (no green churner)"
    return _fmt(j.red_to_green, ".2f")


def comparison_rows(t: Tuning) -> list[tuple[str, str, str]]:
    c, k = t.current, t.candidate
    return [
        ("customer-weeks judged", f"{c.rows:,}", f"{k.rows:,}"),
        ("churned within 180 days", f"{c.churners:,} ({_fmt(c.churn_rate, '.1%')})",
         f"{k.churners:,} ({_fmt(k.churn_rate, '.1%')})"),
        ("AUC (180-day churn)", _fmt(c.auc), _fmt(k.auc)),
        ("red customer-weeks", f"{c.red_rows:,}", f"{k.red_rows:,}"),
        ("red churn rate", _fmt(c.red_rate, ".1%"), _fmt(k.red_rate, ".1%")),
        ("green customer-weeks", f"{c.green_rows:,}", f"{k.green_rows:,}"),
        ("green churn rate", _fmt(c.green_rate, ".1%"), _fmt(k.green_rate, ".1%")),
        ("red-band lift", _fmt(c.red_lift, ".2f"), _fmt(k.red_lift, ".2f")),
        ("red-to-green ratio", _ratio_text(c), _ratio_text(k)),
        ("customers (churned)", f"{c.customers:,} ({c.churned_customers:,})",
         f"{k.customers:,} ({k.churned_customers:,})"),
        ("AUC on the fit part", _fmt(t.fit_auc_current), _fmt(t.fit_auc_candidate)),
    ]


def format_tuning(t: Tuning, markdown: bool = False) -> str:
    head = (f"scorecard {t.scorecard_id}: published version {t.current_version} vs candidate version "
            f"{t.candidate_version} (as of {t.as_of}; never published)")
    parts = [
        f"fit: {t.fit_rows:,} customer-weeks {t.fit_first} to {t.fit_last} ({t.fit_churners:,} churned within "
        f"{HORIZON_DAYS} days); weeks up to {t.last_fit_date}, {t.gap_days} days before the split"
        + ("" if t.gap_days >= HORIZON_DAYS else f" - LESS than {HORIZON_DAYS}: fit labels overlap judged ones"),
        f"judged: {t.current.rows:,} customer-weeks {t.judged_first} to {t.judged_last} "
        f"({t.current.churners:,} churned), weeks from the split {t.split_date}"
        + (f"; {t.judged_dropped:,} left out (one version has too little weight present)" if t.judged_dropped else ""),
        f"check: the Python score of version {t.current_version} equals int_customer_health_scored.health_score "
        f"on {t.sql_rows_checked:,} customer-weeks (max difference {t.sql_max_diff:.3f})",
        f"labels: churn within {HORIZON_DAYS} days as rpt_health_score_backtest has it: {t.labelled_rows:,} scored "
        f"customer-weeks, {t.labelled_churners:,} churned"
        + (" (rpt_health_score_backtest not built: not compared)" if t.report_labels is None
           else " - the same counts as rpt_health_score_backtest"),
    ]
    if np.array_equal(t.current_weights, t.candidate_weights):
        parts.append("no change: no weight move raised the fit part's AUC in every fold of customers, so the "
                     "candidate's weights are the published ones")
    cur, cand = f"v{t.current_version} (published)", f"v{t.candidate_version} (candidate)"
    rows = comparison_rows(t)
    weight_rows = [(m, _cell(a), _cell(b)) for m, a, b in zip(t.measures, t.current_weights, t.candidate_weights,
                                                               strict=True)]
    if markdown:
        lines = [f"# csops tune-health: {t.scorecard_id}", "", head + ".", ""] + [f"- {p}" for p in parts]
        lines += ["", f"| figure | {cur} | {cand} |", "| --- | ---: | ---: |"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        lines += ["", f"| measure | weight v{t.current_version} | weight v{t.candidate_version} |",
                  "| --- | ---: | ---: |"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in weight_rows]
        lines += ["", f"Files: `{MEASURES_FILE}`, `{SCORECARDS_FILE}`. To backtest the candidate in the warehouse, "
                      "append their rows to seeds/health_scorecard_measures.csv and seeds/health_scorecards.csv "
                      "and run dbt build: it appears in rpt_health_score_backtest beside the published version "
                      "and scores no customer.", ""]
        return "\n".join(lines)
    lines = [head] + parts + ["", f"{'figure':<28}{cur:>24}{cand:>24}"]
    lines += [f"{a:<28}{b:>24}{c:>24}" for a, b, c in rows]
    w_cur, w_cand = f"weight v{t.current_version}", f"weight v{t.candidate_version}"
    lines += ["", f"{'measure':<32}{w_cur:>12}{w_cand:>12}"]
    lines += [f"{a:<32}{b:>12}{c:>12}" for a, b, c in weight_rows]
    return "\n".join(lines)


def write_outputs(t: Tuning, inputs: Inputs, candidate_rows: pd.DataFrame, candidate_card: dict,
                  out: Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    measures_path, cards_path, report_path = out / MEASURES_FILE, out / SCORECARDS_FILE, out / REPORT_FILE
    measures_path.write_text(to_csv(list(candidate_rows.columns), candidate_rows.to_dict("records")))
    cards_path.write_text(to_csv(inputs.card_columns, [candidate_card]))
    report_path.write_text(format_tuning(t, markdown=True))
    return [measures_path, cards_path, report_path]


def run(warehouse: str | Path, scorecard_id: str = "standard", out: str | Path = DEFAULT_OUT,
        split_date: date | None = None, gap_days: int = HORIZON_DAYS) -> Tuning:
    """Load, check the Python score against the SQL, fit, judge and write the candidate files."""
    con = connect_read_only(warehouse)
    try:
        inputs = load(con, scorecard_id)
        tuning, candidate_rows, candidate_card = tune(inputs, split_date, gap_days)
        checked, max_diff, bad = check_against_sql(con, inputs.weeks, tuning.current_score, scorecard_id,
                                                   int(inputs.card["scorecard_version"]))
        tuning.report_labels = check_labels(con, scorecard_id, tuning.current_version, tuning.labelled_rows,
                                            tuning.labelled_churners)
    finally:
        con.close()
    if len(bad):
        first = bad.iloc[0]
        raise TuneHealthError(f"the Python score differs from int_customer_health_scored on {len(bad):,} "
                              f"customer-weeks (e.g. {first.customer_id} {first.scored_date}: "
                              f"{first.python_score} vs {first.health_score}); fix csops.health_tune")
    if tuning.report_labels is not None and tuning.report_labels != (tuning.labelled_rows, tuning.labelled_churners):
        raise TuneHealthError(f"the churn labels differ from rpt_health_score_backtest's for {scorecard_id} version "
                              f"{tuning.current_version}: {tuning.labelled_rows:,} customer-weeks, "
                              f"{tuning.labelled_churners:,} churned here, {tuning.report_labels[0]:,} and "
                              f"{tuning.report_labels[1]:,} there; rebuild the warehouse")
    tuning.sql_rows_checked, tuning.sql_max_diff = checked, max_diff
    tuning.files = write_outputs(tuning, inputs, candidate_rows, candidate_card, Path(out))
    return tuning
