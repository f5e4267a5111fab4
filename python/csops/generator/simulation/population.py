"""The customers before anything happens month by month: the calendar, who signs up when, their
latent health over the whole window, who trials and who converts, and the contract they sign.

Each phase draws from the simulation's one stream in a fixed order (the order `simulate` calls them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config as C
from ..helpers import add_months, per_segment, sigmoid


@dataclass(frozen=True)
class Calendar:
    """The window of whole months the simulation covers: Scale.months before C.DEFAULT_AS_OF and
    C.HORIZON_MONTHS after it, whatever the export's as-of date (the same world for every as-of)."""

    as_of_month: np.datetime64  # the horizon's month (the name the month phases know it by)
    month_start: np.ndarray  # (M + 1,) day numbers; month_start[M] is the horizon
    n_history: int  # months before C.DEFAULT_AS_OF

    @property
    def n_months(self) -> int:
        return len(self.month_start) - 1

    @property
    def as_of_day(self) -> int:
        """The horizon: nothing is simulated on or after it (the month phases call it the as-of day)."""
        return int(self.month_start[-1])


def calendar(n_history: int) -> Calendar:
    """n_history months before C.DEFAULT_AS_OF, then C.HORIZON_MONTHS up to the horizon."""
    n_months = n_history + C.HORIZON_MONTHS
    end_month = np.datetime64(C.DEFAULT_AS_OF, "M") + C.HORIZON_MONTHS
    month_start = (end_month - n_months + np.arange(n_months + 1)).astype("datetime64[D]").astype(np.int64)
    return Calendar(end_month, month_start, n_history)


@dataclass(frozen=True)
class Signups:
    """Who signs up (trial or paid) and when, in signup order."""

    segment: np.ndarray  # index into C.SEGMENTS
    currency: np.ndarray  # index into C.CURRENCIES
    signup_month: np.ndarray
    signup_day: np.ndarray  # day number, on days 1..28 of the month


def signups(rng: np.random.Generator, n: int, cal: Calendar) -> Signups:
    """Segment and currency of each customer; signups grow over time, and the launch month brings a
    first wave of customers. `n` customers sign up before C.DEFAULT_AS_OF, and the months after it
    (up to the horizon) continue the trend."""
    n_months, n_hist = cal.n_months, cal.n_history
    weights = 1.0 + 2.0 * np.arange(n_months) / n_hist
    weights[0] += 0.08 * weights[:n_hist].sum()
    n_after = int(round(n * weights[n_hist:].sum() / weights[:n_hist].sum()))
    n_hist_draw = n
    n = n_hist_draw + n_after
    segment = rng.choice(3, n, p=C.SEGMENT_SHARE)
    currency = rng.choice(3, n, p=C.CURRENCY_SHARE)
    signup_month = np.sort(np.concatenate([
        rng.choice(n_hist, n_hist_draw, p=weights[:n_hist] / weights[:n_hist].sum()),
        n_hist + rng.choice(n_months - n_hist, n_after, p=weights[n_hist:] / weights[n_hist:].sum())]))
    signup_day = cal.month_start[signup_month] + rng.integers(0, 28, n)
    return Signups(segment, currency, signup_month, signup_day)


@dataclass(frozen=True)
class Health:
    health: np.ndarray  # (N, M) latent health in 0..1, one value per calendar month (float32)
    hazard: np.ndarray  # (N, M) true monthly churn hazard (float32)


def latent_health(rng: np.random.Generator, segment: np.ndarray, n_months: int) -> Health:
    """An AR(1) walk on the logit scale around each customer's own mean, and the monthly churn hazard
    it implies: base hazard of the segment * exp(HAZARD_SLOPE * (0.5 - health)), capped at 0.6."""
    n = len(segment)
    mu = per_segment(segment, C.HEALTH_MEAN_LOGIT) + rng.normal(0.0, 0.9, n)
    z = np.empty((n, n_months))
    z[:, 0] = mu + rng.normal(0.0, 0.6, n)
    shocks = rng.normal(0.0, 0.45, (n, n_months))
    for m in range(1, n_months):
        z[:, m] = mu + 0.8 * (z[:, m - 1] - mu) + shocks[:, m]
    health = sigmoid(z).astype(np.float32)
    hazard = np.clip(per_segment(segment, C.BASE_HAZARD)[:, None] * np.exp(C.HAZARD_SLOPE * (0.5 - health)), 0, 0.6)
    return Health(health, hazard.astype(np.float32))


@dataclass(frozen=True)
class Conversion:
    """Trials, conversions and when paying starts."""

    has_trial: np.ndarray
    converts: np.ndarray  # always true without a trial
    paid_start: np.ndarray  # day number paying starts (or would have, for a trial that does not convert)
    anchor: np.ndarray  # billing anchor day of month, 1..28
    paid_month: np.ndarray  # index of the month of paid_start (M or more: after the window)


def trials_and_conversion(rng: np.random.Generator, s: Signups, health: np.ndarray, cal: Calendar) -> Conversion:
    """Who starts with a trial (per segment) and whether it converts (likelier when healthy at signup).
    Paying starts after the trial; a start after the 28th moves to the 1st of the next month."""
    n = len(s.segment)
    has_trial = rng.random(n) < per_segment(s.segment, C.TRIAL_SHARE)
    h0 = health[np.arange(n), s.signup_month]
    converts = ~has_trial | (rng.random(n) < sigmoid(-0.2 + 5.0 * (h0 - 0.45)))
    paid_start = s.signup_day + np.where(has_trial, C.TRIAL_DAYS, 0)
    ps_month = paid_start.astype("datetime64[D]").astype("datetime64[M]")
    dom = paid_start - ps_month.astype("datetime64[D]").astype(np.int64) + 1
    late = dom > 28  # keep billing anchors on days 1..28: push the start to the 1st of next month
    paid_start = np.where(late, (ps_month + 1).astype("datetime64[D]").astype(np.int64), paid_start)
    anchor = np.where(late, 1, dom)
    paid_month = ((paid_start.astype("datetime64[D]").astype("datetime64[M]") - cal.as_of_month)
                  .astype(np.int64) + cal.n_months)
    return Conversion(has_trial, converts, paid_start, anchor, paid_month)


@dataclass(frozen=True)
class Contracts:
    """The contract each customer signs up for."""

    annual: np.ndarray
    tier: np.ndarray  # index into C.PLAN_TIERS
    seats: np.ndarray
    discount_pct: np.ndarray  # 0 without a discount
    discount_end: np.ndarray  # day number the discount ends, -1 without one


def contracts(rng: np.random.Generator, segment: np.ndarray, paid_start: np.ndarray) -> Contracts:
    """Monthly or annual, plan tier and seats per segment; 30% get a discount for 3 to 12 months."""
    n = len(segment)
    seg = np.array(C.SEGMENTS)[segment]
    annual = rng.random(n) >= per_segment(segment, C.MONTHLY_SHARE)
    tier = np.array([rng.choice(3, p=C.TIER_SHARE[s]) for s in seg]) if n else np.zeros(0, int)
    seat_median = np.array([C.SEATS[s][0] for s in seg], dtype=float)
    seat_sigma = np.array([C.SEATS[s][1] for s in seg])
    seats = np.clip(np.round(seat_median * np.exp(rng.normal(0, 1, n) * seat_sigma)),
                    [C.SEATS[s][2] for s in seg], [C.SEATS[s][3] for s in seg]).astype(np.int64)
    has_discount = rng.random(n) < 0.30
    discount_pct = np.where(has_discount, rng.choice([10, 15, 20, 25], n), 0)
    discount_end = np.where(has_discount, add_months(paid_start, rng.choice([3, 6, 12], n)), -1)
    return Contracts(annual, tier, seats, discount_pct, discount_end)


@dataclass(frozen=True)
class Terms:
    """How often each contract is billed (from a stream of its own, so the rest of the world keeps its
    draws)."""

    interval: np.ndarray  # months per billing period: 1 (monthly), or a term of 3, 6 or 12 months
    negotiated_pct: np.ndarray  # percent below the list price per seat the customer pays (0: list price)


def terms(rng: np.random.Generator, segment: np.ndarray, annual: np.ndarray) -> Terms:
    """Monthly contracts are billed every month; term contracts per quarter, half year or year
    (C.TERM_SHARE per segment). Some mid-market and enterprise customers negotiated a price below the
    list price (C.NEGOTIATED_SHARE), which every item of theirs keeps."""
    seg = np.array(C.SEGMENTS)[segment]
    u = rng.random(len(segment))
    cum = np.cumsum(np.array([C.TERM_SHARE[s] for s in seg]).reshape(len(segment), 3), axis=1)
    term = np.asarray(C.TERM_MONTHS)[np.minimum((u[:, None] >= cum).sum(1), 2)]
    negotiated = rng.random(len(segment)) < per_segment(segment, C.NEGOTIATED_SHARE)
    pct = rng.choice(np.asarray(C.NEGOTIATED_DISCOUNT_PCT), len(segment))
    return Terms(np.where(annual, term, 1).astype(np.int64), np.where(negotiated, pct, 0).astype(np.int64))
