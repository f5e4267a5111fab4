"""Grade the warehouse's play effectiveness report against the generator's ground truth.

The warehouse measures each play's effect as treated minus holdout (marts.rpt_play_effectiveness, per
play, segment and metric, with a 95% interval and a simultaneous one: Bonferroni over the five
metrics of the play and segment, 99% each, which its `finding` reads); the truth knows every
assignment's true effect - what treating that customer does to its 90- and 180-day churn
probability and to next month's latent health (truth play_assignments, joined on the assignment id)
- and the average per play and segment (truth play_effects). The truth is only read here, never by a dbt model.

Each report row is graded against the true effect averaged over the very assignments the row
measured (those with a known outcome in intermediate.int_play_assignments_followed_up, grouped by the
warehouse's segment): that is what the row estimates. The generator's own figure (play_effects: every
assignment before the as-of, the true segment) is shown beside it.

- churn_90d, churn_180d: the truth is in the metric's unit (a difference of probabilities), so the
  row says whether the truth lies inside the 95% interval (coverage is a property of the per-metric
  interval) and the error (estimate - truth).
- health_change_30d, _90d: the warehouse measures score points, the truth latent health (0-1):
  only the direction is graded, against the sign of the true next-month health effect.
- expansion_180d has no truth and is not graded.

Verdicts judge the report's claim - what its `finding` says, read from the simultaneous interval
(a 95% interval that excludes 0 while the simultaneous one does not is no claim: the report says
no_clear_effect): `detected` (the simultaneous interval excludes 0 on the truth's side),
`right_direction` (the estimate has the truth's sign, the interval spans 0), `wrong_direction` (the
other sign, spanning 0), `no_claim` (the truth is 0 and the interval spans 0 - right: a play that
does nothing is not credited), `false_claim` (the interval excludes 0 on the side the truth is not:
a play that does nothing, like the demo's renewal play, claimed to work or backfire, or an effect
claimed the wrong way round). Unmeasurable rows are listed with their reason.

Targets: no false claim on an all-segments row (per-segment false claims are counted: each play and
segment's five metrics hold together at 95%, so a play that does nothing is credited on some metric
of a segment at most about 1 time in 20, and there are several segments); and of the measured churn
rows, at least min_coverage hold the truth in their 95% interval.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .errors import CsopsError
from .eval_common import find_table, fmt, target_lines
from .warehouse import connect_read_only

# report metric -> (truth column, whether the truth is in the metric's unit, the follow-up column)
GRADED = {
    "churn_90d": ("churn_effect_90d", True, "has_churned_90d"),
    "churn_180d": ("churn_effect_180d", True, "has_churned_180d"),
    "health_change_30d": ("health_effect_next_month", False, "health_change_30d"),
    "health_change_90d": ("health_effect_next_month", False, "health_change_90d"),
}
ZERO = 1e-12  # a true effect this small is none (a play with no uplift has exactly 0)
REPORT = "rpt_play_effectiveness"
FOLLOW_UP = "int_play_assignments_followed_up"
WAREHOUSE_COLUMNS = {
    REPORT: ("play_name", "segment", "metric", "measurement_status", "unmeasurable_reason", "finding",
             "treated_outcomes", "holdout_outcomes", "customers", "treated_value", "holdout_value", "effect",
             "effect_ci95_low", "effect_ci95_high", "effect_simultaneous_low", "effect_simultaneous_high",
             "as_of_date"),
    FOLLOW_UP: ("play_assignment_id", "play_name", "segment", *(known for _, _, known in GRADED.values())),
}
TRUTH_COLUMNS = {
    "play_assignments.parquet": ("assignment_id", "play_name", "segment", "churn_effect_90d", "churn_effect_180d",
                                 "health_effect_next_month"),
    "play_effects.parquet": ("play_name", "segment", "assignments", "churn_effect_90d", "churn_effect_180d",
                             "health_effect_next_month"),
}


class PlaysEvalError(CsopsError):
    """No warehouse, no ground truth, or a table or column missing from either; said in one line."""


@dataclass(frozen=True)
class Thresholds:
    min_coverage: float = 0.8


@dataclass(frozen=True)
class PlayCheck:
    """One report row (play, segment, metric) against the truth."""

    play_name: str
    segment: str
    metric: str
    status: str  # measured or unmeasurable
    reason: str | None
    treated: int
    holdout: int
    customers: int
    estimate: float | None
    ci_low: float | None  # the 95% interval: coverage is graded on it
    ci_high: float | None
    finding: str | None
    sim_low: float | None  # the simultaneous interval (Bonferroni over the family): claims are judged on it
    sim_high: float | None
    truth: float | None  # mean true effect over the assignments the row measured
    truth_assignments: int  # of those, how many the truth knows
    generator_truth: float | None  # the generator's figure (play_effects; all its assignments, true segment)
    same_unit: bool  # the truth is in the metric's unit (churn): coverage and error are graded

    @property
    def covered(self) -> bool | None:
        if not self.same_unit or self.truth is None or self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low <= self.truth <= self.ci_high

    @property
    def error(self) -> float | None:
        if not self.same_unit or self.truth is None or self.estimate is None:
            return None
        return self.estimate - self.truth

    @property
    def direction_right(self) -> bool | None:
        """The estimate has the truth's sign (None when the truth is 0 or either is unknown)."""
        if self.truth is None or self.estimate is None or abs(self.truth) <= ZERO:
            return None
        return (self.estimate > 0) == (self.truth > 0)

    @property
    def claims(self) -> int | None:
        """The effect's sign the report claims (its finding): +1 or -1 when the simultaneous interval
        excludes 0, 0 when it spans 0, None when unmeasured."""
        if self.status != "measured" or self.sim_low is None or self.sim_high is None:
            return None
        return 1 if self.sim_low > 0 else -1 if self.sim_high < 0 else 0

    @property
    def claims_at_95(self) -> bool:
        """The per-metric 95% interval alone excludes 0 (what the finding said before it read the family)."""
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 0 or self.ci_high < 0)

    @property
    def verdict(self) -> str | None:
        if self.truth is None or self.claims is None:
            return None
        claims = self.claims
        truth = 0 if abs(self.truth) <= ZERO else 1 if self.truth > 0 else -1
        if claims and claims != truth:
            return "false_claim"
        if claims:
            return "detected"
        if truth == 0:
            return "no_claim"
        return "right_direction" if self.direction_right else "wrong_direction"


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    limit: float
    ok: bool
    message: str


@dataclass
class PlaysEvaluation:
    as_of: str
    checks: list[PlayCheck] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t.ok for t in self.targets)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of,
            "checks": [{**asdict(c), "covered": c.covered, "error": c.error, "direction_right": c.direction_right,
                        "claims_at_95": c.claims_at_95, "verdict": c.verdict} for c in self.checks],
            "targets": [asdict(t) for t in self.targets],
            "passed": self.passed,
        }


def matched_truth(follow_up: pd.DataFrame, truth_assignments: pd.DataFrame) -> pd.DataFrame:
    """The mean true effect over the assignments each report row measured: one row per play_name,
    segment (the warehouse's, 'unknown' when null, and 'all') and graded metric with truth_effect and
    truth_assignments. follow_up has the warehouse's play_assignment_id, play_name, segment and each
    metric's outcome column (null when the row did not count the assignment); truth_assignments the
    truth's assignment_id and effect columns."""
    truth = truth_assignments.set_index("assignment_id")
    rows = []
    for metric, (truth_column, _, known_column) in GRADED.items():
        known = follow_up[follow_up[known_column].notna()]
        joined = known.join(truth[[truth_column]], on="play_assignment_id", how="inner")
        joined = joined.assign(segment=joined["segment"].fillna("unknown"))
        for keys, part in [*joined.groupby(["play_name", "segment"]),
                           *((( name, "all"), part) for name, part in joined.groupby("play_name"))]:
            rows.append({"play_name": keys[0], "segment": keys[1], "metric": metric,
                         "truth_effect": float(part[truth_column].mean()), "truth_assignments": len(part)})
    return pd.DataFrame(rows, columns=["play_name", "segment", "metric", "truth_effect", "truth_assignments"])


def generator_truth(effects: pd.DataFrame) -> pd.DataFrame:
    """play_effects per play and segment, and per play ('all': weighted by assignments), one row per
    graded metric with generator_effect."""
    rows = []
    for metric, (column, _, _) in GRADED.items():
        for r in effects.itertuples(index=False):
            rows.append({"play_name": r.play_name, "segment": r.segment, "metric": metric,
                         "generator_effect": float(getattr(r, column))})
        for name, part in effects.groupby("play_name"):
            weight = part["assignments"].astype(float)
            rows.append({"play_name": name, "segment": "all", "metric": metric,
                         "generator_effect": float((part[column] * weight).sum() / weight.sum())
                         if weight.sum() else None})
    return pd.DataFrame(rows, columns=["play_name", "segment", "metric", "generator_effect"])


def grade(report: pd.DataFrame, matched: pd.DataFrame, generator: pd.DataFrame,
          thresholds: Thresholds = Thresholds(), as_of: str = "") -> PlaysEvaluation:
    """Every graded report row against its truth, and the targets."""
    rows = report[report["metric"].isin(GRADED)]
    rows = rows.merge(matched, on=["play_name", "segment", "metric"], how="left")
    rows = rows.merge(generator, on=["play_name", "segment", "metric"], how="left")
    order = {m: i for i, m in enumerate(GRADED)}
    rows = rows.assign(_all=rows["segment"] != "all", _metric=rows["metric"].map(order))
    rows = rows.sort_values(["play_name", "_all", "segment", "_metric"])
    result = PlaysEvaluation(as_of=as_of)
    for r in rows.to_dict("records"):
        result.checks.append(PlayCheck(
            play_name=r["play_name"], segment=r["segment"], metric=r["metric"], status=r["measurement_status"],
            reason=_none(r["unmeasurable_reason"]), treated=int(r["treated_outcomes"]),
            holdout=int(r["holdout_outcomes"]), customers=int(r["customers"]), estimate=_num(r["effect"]),
            ci_low=_num(r["effect_ci95_low"]), ci_high=_num(r["effect_ci95_high"]), finding=_none(r["finding"]),
            sim_low=_num(r["effect_simultaneous_low"]), sim_high=_num(r["effect_simultaneous_high"]),
            truth=_num(r.get("truth_effect")), truth_assignments=int(_num(r.get("truth_assignments")) or 0),
            generator_truth=_num(r.get("generator_effect")), same_unit=GRADED[r["metric"]][1],
        ))
    result.targets = _targets(result, thresholds)
    return result


def _targets(result: PlaysEvaluation, t: Thresholds) -> list[Target]:
    targets = []
    overall = [c for c in result.checks if c.segment == "all" and c.verdict is not None]
    false = [c for c in overall if c.verdict == "false_claim"]
    name = "no false claim on an all-segments row"
    if false:
        message = f"{name}: {len(false)} of {len(overall)} graded rows claim an effect the truth does not have: " + \
            "; ".join(f"{c.play_name} {c.metric} {c.estimate:+.4f} simultaneous [{c.sim_low:+.4f}, {c.sim_high:+.4f}] "
                      f"(finding {c.finding}) vs truth {c.truth:+.4f}" for c in false)
    else:
        message = f"{name}: none of {len(overall)} graded rows"
    targets.append(Target(name, float(len(false)), 0, not false, message))
    graded = [c for c in result.checks if c.covered is not None]
    name = "churn rows whose 95% interval holds the true effect"
    if not graded:
        targets.append(Target(name, None, t.min_coverage, False,
                              f"{name}: cannot be graded (no measured churn row with a truth)"))
    else:
        share = sum(c.covered for c in graded) / len(graded)
        ok = share >= t.min_coverage
        message = f"{name}: {sum(c.covered for c in graded)} of {len(graded)} ({share:.0%}; min {t.min_coverage:.0%})"
        targets.append(Target(name, share, t.min_coverage, ok, message))
    return targets


def evaluate(warehouse: str | Path, truth: str | Path, thresholds: Thresholds = Thresholds()) -> PlaysEvaluation:
    """Every report row graded; PlaysEvalError (exit 2) when an input is missing."""
    truth = Path(truth)
    frames = {}
    for name, columns in TRUTH_COLUMNS.items():
        file = truth / name
        if not file.is_file():
            raise PlaysEvalError(f"no ground truth at {file}; generate data with csops generate first")
        try:
            frame = pd.read_parquet(file)
        except Exception as e:  # pyarrow's errors have no common base
            raise PlaysEvalError(f"cannot read {file}: {str(e).splitlines()[0]}") from e
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise PlaysEvalError(f"{file} has no column {', '.join(missing)}")
        frames[name] = frame
    con = connect_read_only(warehouse)
    try:
        report = con.execute(f"select * from {_table(con, REPORT)}").df()
        follow_up = con.execute(
            f"select {', '.join(WAREHOUSE_COLUMNS[FOLLOW_UP])} from {_table(con, FOLLOW_UP)}").df()
    finally:
        con.close()
    as_of = str(report["as_of_date"].iloc[0])[:10] if len(report) else ""
    return grade(report, matched_truth(follow_up, frames["play_assignments.parquet"]),
                 generator_truth(frames["play_effects.parquet"]), thresholds, as_of)


def _table(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """'<schema>.<name>' (marts, else intermediate); PlaysEvalError naming the table or column when missing."""
    return find_table(con, name, WAREHOUSE_COLUMNS[name], PlaysEvalError,
                      f"{name} is not in the warehouse; run dbt build first (with enable_cs_platform on)",
                      schemas=("marts", "intermediate"))


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _none(value) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _fmt(value: float | None) -> str:
    return fmt(value, "+.4f")


def _interval(low: float | None, high: float | None) -> str:
    return "n/a" if low is None or high is None else f"[{low:+.4f}, {high:+.4f}]"


def format_evaluation(result: PlaysEvaluation) -> str:
    lines = [
        f"as of {result.as_of}: each play's measured effect (treated - holdout; its 95% interval and its simultaneous "
        "interval, Bonferroni over the play and segment's metrics, which the finding reads) against the true effect "
        "averaged over the same assignments (churn: probability; health: direction only, truth in latent health). "
        "Claims (verdict) are judged on the simultaneous interval, coverage (in CI) on the 95% one; "
        "* marks a 95% interval that excludes 0 where the simultaneous one does not.",
        "",
        f"{'play':<10}{'segment':<12}{'metric':<19}{'treated':>8}{'holdout':>8}{'cust':>6}{'estimate':>10}"
        f"{'95% interval':>22} {'simultaneous':>21}{'truth':>9}{'generator':>10}{'error':>9}  {'in CI':<6}"
        f"{'verdict / reason'}",
    ]
    for c in result.checks:
        covered = "" if c.covered is None else "yes" if c.covered else "NO"
        verdict = c.verdict if c.status == "measured" else f"unmeasurable: {c.reason}"
        mark = "*" if c.claims_at_95 and c.claims == 0 else " "
        lines.append(f"{c.play_name:<10}{c.segment:<12}{c.metric:<19}{c.treated:>8,}{c.holdout:>8,}{c.customers:>6,}"
                     f"{_fmt(c.estimate):>10}{_interval(c.ci_low, c.ci_high):>22}{mark}"
                     f"{_interval(c.sim_low, c.sim_high):>21}{_fmt(c.truth):>9}{_fmt(c.generator_truth):>10}"
                     f"{_fmt(c.error):>9}  {covered:<6}{verdict or ''}".rstrip())
    segment_false = [c for c in result.checks if c.segment != "all" and c.verdict == "false_claim"]
    graded = [c for c in result.checks if c.segment != "all" and c.verdict is not None]
    at_95 = [c for c in result.checks if c.verdict is not None and c.claims_at_95 and c.claims == 0]
    lines += ["", f"per-segment rows: {len(segment_false)} false claim(s) of {len(graded)} graded "
                  "(each play and segment's metrics hold together at 95%: a null segment claims an effect on some "
                  "metric about 1 time in 20 at most)",
              f"graded rows whose 95% interval alone excludes 0 but whose simultaneous interval does not (no claim): "
              f"{len(at_95)}", "", "targets"]
    lines += target_lines(result.targets)
    return "\n".join(lines)


def format_json(result: PlaysEvaluation) -> str:
    return json.dumps(result.to_dict(), indent=2)
