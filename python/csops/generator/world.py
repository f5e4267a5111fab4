"""The latent world behind the demo data: who the customers are, how healthy they are, what they pay.

Every raw system is a view of this one simulation (simulation/, phase by phase), so the systems
agree where real ones agree and a customer's latent health drives what each system records (usage,
tickets, NPS, payment failures, churn).

Dates are int64 day numbers (days since 1970-01-01) throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import config as C
from .helpers import per_segment


@dataclass
class World:
    """What the simulation returns and every system exports a view of: per customer (N), per
    customer-month (N, M), and the ledgers (dicts of equal-length columns)."""

    seed: int
    scale: C.Scale
    horizon: int  # day number; nothing is simulated on or after it (the export's as-of is earlier)
    month_start: np.ndarray  # (M + 1,) day numbers; month_start[M] == horizon
    segment: np.ndarray  # (N,) index into C.SEGMENTS
    currency: np.ndarray  # (N,) index into C.CURRENCIES
    signup_day: np.ndarray
    has_trial: np.ndarray
    converts: np.ndarray
    paid_start_day: np.ndarray
    health: np.ndarray  # (N, M) latent health in 0..1, one value per calendar month
    hazard: np.ndarray  # (N, M) true monthly churn hazard
    seats_by_month: np.ndarray  # (N, M) seats paid for at the end of the month (0 when not paying)
    active_by_month: np.ndarray  # (N, M) a live subscription at the end of the month (paying or paused)
    paused_by_month: np.ndarray  # (N, M) billing paused that month
    subs: dict[str, np.ndarray] = field(default_factory=dict)
    items: dict[str, np.ndarray] = field(default_factory=dict)
    invoices: dict[str, np.ndarray] = field(default_factory=dict)
    payments: dict[str, np.ndarray] = field(default_factory=dict)
    opportunities: dict[str, np.ndarray] = field(default_factory=dict)
    churns: dict[str, np.ndarray] = field(default_factory=dict)
    pauses: dict[str, np.ndarray] = field(default_factory=dict)
    # CS play assignments (simulation/plays.py), in the order run: customer, play (index into C.PLAYS),
    # month, day, treated (else held out), uplift (logit, what treatment gives), paid_month at the time
    plays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.segment)

    @property
    def months(self) -> int:
        return len(self.month_start) - 1

    def by_segment(self, table: dict[str, float]) -> np.ndarray:
        return per_segment(self.segment, table)


def unit_amount_minor(tier: np.ndarray, currency: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """List price per seat in the currency's minor units, per billing period of `interval` months (1, 3,
    6 or 12: a year costs C.ANNUAL_MONTHS_BILLED months)."""
    monthly = np.array(
        [[round(C.PRICE_USD[t] * C.FX_START[c] * C.MINOR_UNITS[c] / 100) * 100 for c in C.CURRENCIES]
         for t in C.PLAN_TIERS],
        dtype=np.int64,
    )
    interval = np.asarray(interval)
    return monthly[tier, currency] * np.where(interval == 12, C.ANNUAL_MONTHS_BILLED, interval)
