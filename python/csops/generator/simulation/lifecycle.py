"""The phases of a customer's life the month loop steps through, in this order each month:
cancellations take effect, trials convert (or are lost), churned customers come back, seats and plans
change, subscriptions pause; after billing (invoicing.py), customers decide to churn.

Each phase takes the month `m`, each customer's period start that month (the billing anchor day)
and latent health, updates the Book and writes its ledgers. They all draw from the one simulation
stream, so their order, and the order of draws within each, is part of the output.
"""

from __future__ import annotations

import numpy as np

from .. import config as C
from ..helpers import add_months, per_segment
from .book import CHURNED, LOST, PAYING, SIGNED_UP, Book
from .population import Conversion


def end_lost_trials(rng: np.random.Generator, b: Book, conv: Conversion, as_of_day: int) -> None:
    """Trials that do not convert end on the trial end date, cancelled some days before."""
    n = b.n
    lost = conv.has_trial & ~conv.converts & (conv.paid_start < as_of_day)
    b.sub_canceled[:n][lost] = b.paid_start[lost] - rng.integers(0, C.TRIAL_DAYS, lost.sum())
    b.sub_ended[:n][lost] = b.paid_start[lost]
    b.close_items(lost, b.paid_start[lost])


def end_cancellations(b: Book, m: int, period_start: np.ndarray) -> None:
    """Cancellations decided last month take effect at the end of the paid period: voluntary churn."""
    idx = np.flatnonzero((b.state == PAYING) & b.pending)
    b.sub_ended[b.cur_sub[idx]] = period_start[idx]
    b.close_items(idx, period_start[idx])
    b.churns.add(customer=idx, day=period_start[idx], kind=np.full(len(idx), "voluntary"))
    b.state[idx] = CHURNED
    b.pending[idx] = False
    b.churned_month[idx] = m


def start_paying(rng: np.random.Generator, b: Book, m: int, as_of_day: int) -> None:
    """Trials convert and direct purchases start this month (new business won); trials that do not
    convert are new business lost."""
    idx = np.flatnonzero((b.state == SIGNED_UP) & b.converts & (b.paid_month == m))
    b.state[idx] = PAYING
    b.term_start[idx] = m
    won_amount = b.seats[idx] * b.price(idx) * b.yearly(idx)
    b.opps.add(customer=idx, kind=np.full(len(idx), "new_business"), stage=np.full(len(idx), "closed_won"),
               created=b.signup_day[idx] - rng.integers(10, 90, len(idx)), close=b.paid_start[idx],
               amount=won_amount, currency=b.currency[idx])
    lost = np.flatnonzero((b.state == SIGNED_UP) & ~b.converts & (b.paid_month == m))
    b.opps.add(customer=lost, kind=np.full(len(lost), "new_business"), stage=np.full(len(lost), "closed_lost"),
               created=b.signup_day[lost] - rng.integers(10, 90, len(lost)),
               close=np.minimum(b.paid_start[lost], as_of_day - 1),
               amount=b.seats[lost] * b.price(lost) * b.yearly(lost),
               currency=b.currency[lost])
    b.state[lost] = LOST


def reactivate(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray, h: np.ndarray) -> None:
    """Churned customers come back now and then (at most twice, two months after churning at the
    earliest, likelier when healthy), as a new subscription with fewer or more seats and no discount."""
    back = ((b.state == CHURNED) & (m - b.churned_month >= 2) & (b.reactivations < 2)
            & (rng.random(b.n) < 0.05 * h ** 2))
    idx = np.flatnonzero(back)
    if not len(idx):
        return
    k = len(idx)
    b.new_subscriptions(idx, period_start[idx])
    b.seats[idx] = np.maximum(1, np.round(b.seats[idx] * rng.uniform(0.6, 1.1, k))).astype(np.int64)
    b.discount_pct[idx] = 0
    b.discount_end[idx] = -1
    b.open_items(idx, period_start[idx])
    b.state[idx] = PAYING
    b.term_start[idx] = m
    b.paid_month[idx] = m
    b.reactivations[idx] += 1
    b.opps.add(customer=idx, kind=np.full(k, "new_business"), stage=np.full(k, "closed_won"),
               created=period_start[idx] - rng.integers(5, 40, k), close=period_start[idx],
               amount=b.seats[idx] * b.price(idx) * b.yearly(idx), currency=b.currency[idx])


def change_seats_and_plans(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray,
                           h: np.ndarray) -> np.ndarray:
    """Seat expansions (likelier when healthy), contractions and plan up- and downgrades at the period
    start; term contracts shrink or change plan only at renewal (expansions per segment,
    C.EXPANSION_PER_MONTH), and seats added mid-term get a proration invoice (invoicing.py). Records
    expansion opportunities (mid-market and enterprise) and won renewals. Ends pauses that are over;
    returns the customers running normally this period (paying, not in their first month, not paused)."""
    n, annual, tier = b.n, b.annual, b.tier
    active = b.state == PAYING
    b.paused_until[active & (b.paused_until == m)] = -1  # a pause ends: billing resumes this period
    paused = active & (b.paused_until > m)
    running = active & (b.paid_month < m) & ~paused & ~b.switching
    renewal = running & annual & ((m - b.term_start) % b.interval == 0)
    can_shrink = running & (~annual | renewal)
    expand = running & (rng.random(n) < per_segment(b.segment, C.EXPANSION_PER_MONTH) * h ** 2)
    shrink = can_shrink & ~expand & (rng.random(n) < 0.07 * (1 - h) ** 2)
    up = can_shrink & (tier < 2) & (rng.random(n) < 0.015 * h)
    down = can_shrink & ~up & (tier > 0) & (rng.random(n) < 0.02 * (1 - h))
    delta = np.maximum(1, np.round(b.seats * rng.uniform(0.1, 0.35, n))).astype(np.int64)
    b.seats = np.where(expand, b.seats + delta, np.where(shrink, np.maximum(1, b.seats - delta), b.seats))
    # seats added mid-term on a term contract are invoiced at once, prorated to the end of the term
    b.prorate_seats = np.where(expand & annual & ~renewal, delta, 0)
    b.tier = np.where(up, tier + 1, np.where(down, tier - 1, tier))
    idx = np.flatnonzero(expand | shrink | up | down)
    b.close_items(idx, period_start[idx])
    b.open_items(idx, period_start[idx])
    exp_opp = np.flatnonzero(expand & (b.segment > 0))
    b.opps.add(customer=exp_opp, kind=np.full(len(exp_opp), "expansion"), stage=np.full(len(exp_opp), "closed_won"),
               created=period_start[exp_opp] - rng.integers(7, 45, len(exp_opp)),
               close=period_start[exp_opp] - rng.integers(0, 5, len(exp_opp)),
               amount=delta[exp_opp] * b.price(exp_opp) * b.yearly(exp_opp),
               currency=b.currency[exp_opp])
    ren = np.flatnonzero(renewal)
    b.opps.add(customer=ren, kind=np.full(len(ren), "renewal"), stage=np.full(len(ren), "closed_won"),
               created=period_start[ren] - 90, close=period_start[ren] - rng.integers(0, 10, len(ren)),
               amount=b.seats[ren] * b.price(ren), currency=b.currency[ren])
    return running


def change_currency(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray) -> None:
    """Rarely (C.CURRENCY_CHANGE_PER_MONTH), a paying customer moves its billing to another currency,
    once, at a period start where it could change plan (any month on a monthly contract, a renewal on
    a term): the subscription ends and a new one in the new currency starts that day, with the same
    plan, seats, price (converted at list) and discount; not a churn, no seat or plan change that
    month. Draws from a stream of its own (the same draws every month)."""
    u = rng.random(b.n)
    shift = rng.integers(1, len(C.CURRENCIES), b.n)
    b.switching[:] = False
    at_period = ~b.annual | ((m - b.term_start) % b.interval == 0)
    eligible = ((b.state == PAYING) & (b.paid_month < m) & (b.paused_until < 0) & ~b.pending & at_period
                & ~b.changed_currency & ~b.sub_past_due[b.cur_sub[:b.n]])
    idx = np.flatnonzero(eligible & (u < C.CURRENCY_CHANGE_PER_MONTH))
    if not len(idx):
        return
    day = period_start[idx]
    b.end_subscriptions(idx, day)
    b.currency[idx] = (b.currency[idx] + shift[idx]) % len(C.CURRENCIES)
    b.new_subscriptions(idx, day)
    b.sub_currency_change[b.cur_sub[idx]] = True
    b.open_items(idx, day)
    b.term_start[idx] = m
    b.changed_currency[idx] = True
    b.switching[idx] = True


def start_pauses(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray, h: np.ndarray,
                 running: np.ndarray) -> np.ndarray:
    """A struggling monthly customer may pause billing for one to three periods. Returns who is paused
    this period."""
    start = running & ~b.annual & ~b.pending & (rng.random(b.n) < C.PAUSE_PER_MONTH * (1 - h))
    idx = np.flatnonzero(start)
    length = rng.integers(1, 4, len(idx))
    b.paused_until[idx] = m + length
    b.pauses.add(subscription=b.cur_sub[idx], customer=idx, start=period_start[idx],
                 end=add_months(period_start[idx], length))
    return (b.state == PAYING) & (b.paused_until > m)


def decide_churn(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray, hazard: np.ndarray,
                 paused: np.ndarray, as_of_day: int) -> None:
    """Voluntary churn decisions, effective at the end of the paid period: monthly customers (not
    paused) churn at this month's hazard, annual ones decide in the last month of the term at the
    hazard of the past year (a renewal lost, or still open if it closes after the as-of date).

    Early-life churn: the hazard of a customer in its first months of paying (since the paid start or
    the reactivation) is raised in place (C.EARLY_LIFE_BOOST), so the truth's hazard is the one used."""
    n, annual = b.n, b.annual
    active = b.state == PAYING
    tenure = m - b.paid_month
    young = np.flatnonzero(active & (tenure >= 0))
    boost = 1 + C.EARLY_LIFE_BOOST * C.EARLY_LIFE_DECAY ** tenure[young].astype(float)
    hazard[young, m] = np.minimum(hazard[young, m] * boost, 0.6)
    monthly_decide = active & ~annual & ~b.pending & ~paused & (rng.random(n) < hazard[:, m])
    p_term = np.zeros(n)
    for term in C.TERM_MONTHS:
        lo = max(0, m - term + 1)
        p_term = np.where(b.interval == term, 1 - (1 - hazard[:, lo:m + 1].mean(axis=1)) ** term, p_term)
    annual_decide = active & annual & ((m - b.term_start) % b.interval == b.interval - 1) & (rng.random(n) < p_term)
    idx = np.flatnonzero(monthly_decide | annual_decide)
    b.pending[idx] = True
    click = np.where(annual[idx], period_start[idx] - rng.integers(0, 60, len(idx)),
                     period_start[idx] + rng.integers(0, 27, len(idx)))
    b.sub_canceled[b.cur_sub[idx]] = np.minimum(click, as_of_day - 1)
    lost = np.flatnonzero(annual_decide)
    renewal_day = add_months(period_start[lost], 1)
    b.opps.add(customer=lost, kind=np.full(len(lost), "renewal"),
               stage=np.where(renewal_day < as_of_day, "closed_lost", "open"), created=renewal_day - 90,
               close=renewal_day, amount=b.seats[lost] * b.price(lost), currency=b.currency[lost])
