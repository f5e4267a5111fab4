"""CS plays with a random holdout: each month, after the churn decisions, the CS team picks the paying
customers whose signals cross a play's threshold (C.PLAYS, first match wins, one play a customer a
month, each play at most once per C.PLAY_COOLDOWN_MONTHS), and holds out a random C.PLAY_HOLDOUT_SHARE
of them (not contacted), as a controlled rollout would:

- save: latent health below C.SAVE_PLAY_HEALTH;
- renewal: a term contract whose decision month (the term's last) is 3 months away, health below
  C.RENEWAL_PLAY_HEALTH;
- adoption: in months C.ADOPTION_PLAY_MONTHS after the paid start, health (which drives usage) below
  C.ADOPTION_PLAY_HEALTH.

A treated customer's latent health gets C.PLAY_EFFECT_LOGIT[play][segment] on the logit scale from the
next month on, fading by C.PLAY_EFFECT_DECAY a month, and the churn hazard of those months follows the
new health (the same formula as population.latent_health); a held-out one keeps its path. Every later
phase (churn decisions, usage, tickets, surveys) reads the changed health, so a play's effect is in the
data. Draws from a stream of its own (the same draws every month), so the other streams do not move.
"""

from __future__ import annotations

import numpy as np

from .. import config as C
from ..helpers import Rows, per_segment, sigmoid
from .book import PAYING, Book


class PlayLedger:
    """The assignments (treated and held out) and when each customer last got each play."""

    def __init__(self, n: int) -> None:
        self.rows = Rows("customer", "play", "month", "day", "treated", "uplift", "paid_month")
        self.last = np.full((n, len(C.PLAYS)), -10_000, np.int64)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def hazard_of(segment: np.ndarray, health: np.ndarray) -> np.ndarray:
    """The monthly churn hazard at latent health `health` (rows of customers of `segment`), as
    population.latent_health computes it (before the early-life boost)."""
    base = per_segment(segment, C.BASE_HAZARD)[:, None]
    return np.clip(base * np.exp(C.HAZARD_SLOPE * (0.5 - health)), 0, 0.6).astype(np.float32)


def fade(n_months: int, month: np.ndarray) -> np.ndarray:
    """(len(month), n_months): the share of a play's uplift in each calendar month, for plays run in
    `month`: 0 up to it, 1 the next month, then C.PLAY_EFFECT_DECAY ** (months after that)."""
    ahead = np.arange(n_months)[None, :] - np.asarray(month)[:, None]
    return np.where(ahead >= 1, C.PLAY_EFFECT_DECAY ** np.maximum(ahead - 1, 0).astype(float), 0.0)


def run_plays(rng: np.random.Generator, b: Book, ledger: PlayLedger, m: int, period_start: np.ndarray,
              health: np.ndarray, hazard: np.ndarray) -> None:
    """This month's plays: who is eligible, treated or held out; the treated customers' health and hazard
    from the next month on (changed in place)."""
    n, n_months = b.n, health.shape[1]
    u = rng.random((n, len(C.PLAYS)))
    h = health[:, m]
    live = (b.state == PAYING) & ~b.pending
    tenure = m - b.paid_month
    due = {
        "save": live & (h < C.SAVE_PLAY_HEALTH),
        "renewal": live & b.annual & ((m + 3 - b.term_start) % b.interval == b.interval - 1)
        & (h < C.RENEWAL_PLAY_HEALTH),
        "adoption": live & np.isin(tenure, C.ADOPTION_PLAY_MONTHS) & (h < C.ADOPTION_PLAY_HEALTH),
    }
    taken = np.zeros(n, bool)
    for p, play in enumerate(C.PLAYS):
        idx = np.flatnonzero(due[play] & ~taken & (m - ledger.last[:, p] >= C.PLAY_COOLDOWN_MONTHS))
        if not len(idx):
            continue
        taken[idx] = True
        ledger.last[idx, p] = m
        treated = u[idx, p] >= C.PLAY_HOLDOUT_SHARE
        uplift = per_segment(b.segment[idx], C.PLAY_EFFECT_LOGIT[play])
        ledger.rows.add(customer=idx, play=np.full(len(idx), p), month=np.full(len(idx), m),
                        day=period_start[idx], treated=treated, uplift=uplift, paid_month=b.paid_month[idx])
        hit = idx[treated & (uplift != 0)]
        if len(hit) and m + 1 < n_months:
            lift = uplift[treated & (uplift != 0)][:, None] * fade(n_months, np.full(len(hit), m))[:, m + 1:]
            new = sigmoid(logit(health[hit, m + 1:]) + lift).astype(np.float32)
            health[hit, m + 1:] = new
            hazard[hit, m + 1:] = hazard_of(b.segment[hit], new)


def churn_probability(segment: np.ndarray, health: np.ndarray, month: np.ndarray, paid_month: np.ndarray,
                      months_ahead: int) -> np.ndarray:
    """The probability of churning within `months_ahead` months after a play run in `month`, from the
    monthly hazards at `health` (rows: assignments, columns: calendar months) with the early-life boost
    for the tenure of each month: 1 - prod(1 - hazard) over the months after the play (fewer at the end
    of the calendar)."""
    n_months = health.shape[1]
    cols = np.asarray(month)[:, None] + 1 + np.arange(months_ahead)[None, :]
    ok = cols < n_months
    hh = np.take_along_axis(health, np.minimum(cols, n_months - 1), axis=1)
    hz = hazard_of(segment, hh).astype(np.float64)
    tenure = cols - np.asarray(paid_month)[:, None]
    boost = 1 + C.EARLY_LIFE_BOOST * C.EARLY_LIFE_DECAY ** np.maximum(tenure, 0).astype(float)
    hz = np.minimum(hz * boost, 0.6)
    return 1 - np.prod(np.where(ok, 1 - hz, 1.0), axis=1)
