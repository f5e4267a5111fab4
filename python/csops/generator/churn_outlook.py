"""The churn outlook truth: per customer and month end, the contract state and the TRUE probability
of churning (voluntarily or involuntarily) within the next 90 days, computed from the simulation's own
rules (simulation/lifecycle.py, simulation/invoicing.py), never from what happened afterwards.

A row exists for every month end before the export's as-of at which the customer has a live paid
subscription (started on or before the month end, not ended by it: paying, paused, or in dunning).
The window is the 90 days after the month end: churn days B .. B + 89, B the first day of the next month.

The probability, given the state at the month end (everything the simulation had decided by then) and
the customer's latent health path (the true process: the REALISED latent health of the next months is
used, not its expectation, because the truth is the world the data was drawn from; the hazards of the
next months are the ones the simulation draws churn with), is 1 - the product, over the churn
chances whose churn day falls in the window, of (1 - p) (each p is conditional on no earlier churn):

- cancel_pending (the subscription's cancellation was requested on or before the month end): 1. The
  simulation decides at a period start; the request (the subscription's canceled_at) is clicked 0-26
  days after it on monthly plans and 0-59 days before it on annual ones. The truth conditions on the
  request as the billing system shows it; a decision not visible yet enters as a probability below.
- the month's own invoice still in dunning at the month end (card payers: every attempt so far
  failed, retries to come on days 3, 8, 15): p_retry ** retries left, p_retry = 0.3 + 0.4 (1 - health).
- monthly plans: a decision to cancel taken this month whose request (a click 0-26 days after the
  period start) comes after the month end: h q / (1 - h + h q), h the month's hazard, q the share of
  click delays landing after the month end; then, for each next month k not paused by a pause already
  running: the involuntary chance of its invoice, p_fail * p_retry ** 3 with p_fail = 0.02 +
  0.35 (1 - health) ** 3 (churn 15 days after the period start), then the month's hazard h_k (churn at
  the next period start). h_k is the segment's base hazard * exp(HAZARD_SLOPE (0.5 - health_k)),
  raised by the early-life boost for the tenure at month k, capped at 0.6.
- term contracts (quarterly, semi-annual and annual plans, T = 3, 6 or 12 months from the plan's interval
  and interval_count): only a term end within the window can churn (the next one is at least 89 days
  later, past the window). The decision in the term's last month
  churns with p_term = 1 - (1 - mean hazard of the T months up to it) ** T; the request is clicked
  0-59 days before that period start, so a request not yet seen at the month end lowers it to
  p_term (1 - r) / (1 - p_term r), r the share of click leads already past. Then the renewal invoice
  can fail (card payers, as above, 15 days after the term end).

Calibration (python/tests/test_generator_truth.py; month ends whose window closes before the as-of):
on medium, seed 42 (with term contracts of 3, 6 and 12 months and the CS plays), the mean probability
is 1.00x the realised 90-day churn rate overall, 1.01x on monthly plans, 1.01x quarterly, 0.99x
semi-annual, 0.97x annual, 0.97-1.05x per segment, and within 0.8 percentage points in every
probability band (cuts at 2, 5, 10, 20 and 50%); AUC 0.92 (0.81 on monthly plans), against 0.73
(0.74) for the month's hazard alone.

Left out, as immaterial: pauses that have not started by the month end (they skip a month's decision;
at most PAUSE_PER_MONTH a month), and enterprise write-offs (probability WRITE_OFF_RATE (1 - health) ** 3
a year, written off 90 days after the invoice).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as C
from .helpers import add_months, dates, per_segment, strs
from .simulation.invoicing import RETRY_OFFSETS, is_net_terms
from .world import World

WINDOW_DAYS = 90
CLICK_DELAY_MONTHLY = 27  # monthly cancellations are clicked 0..26 days after the period start decided at
CLICK_LEAD_ANNUAL = 60  # term ones 0..59 days before the period start of the term's last month
INTERVAL_MONTHS = (1, 3, 6, 12)
INTERVAL_NAMES = ("month", "quarter", "half_year", "year")  # billing_interval, by months per period

COLUMNS = {
    "customer_key": ("string", "the true customer (truth customers.customer_key)"),
    "month_end": ("date", "the last day of the month the state is taken at"),
    "billing_interval": ("string", "month, quarter, half_year or year: the billing period (term) of the live "
                                   "subscription"),
    "term_end": ("date", "when the current paid period ends: the next period start (monthly) or the end of the "
                         "current term; a pending cancellation takes effect on this day"),
    "cancel_pending": ("boolean", "the customer has requested cancellation on or before the month end (the "
                                  "subscription's canceled_at); it takes effect at term_end"),
    "is_paused": ("boolean", "billing is paused this month (no invoice, no churn decision)"),
    "in_dunning": ("boolean", "this month's card payment has failed every attempt so far, retries still to come"),
    "seats": ("int64", "seats of the live subscription item at the month end (MRR-relevant seats; no MRR while "
                       "paused)"),
    "latent_health": ("float32", "latent health (0..1) of the month"),
    "churn_probability_90d": ("float64", "true probability that the customer churns (voluntarily or "
                                        "involuntarily) within the 90 days after month_end, given the state "
                                        "at month_end and the generator's rules (see How churn_probability_90d "
                                        "is computed)"),
}


def _month_index(month_start: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.searchsorted(month_start, day, side="right") - 1


def churn_outlook(w: World, n: int, as_of: int, key: np.ndarray) -> pa.Table:
    """The churn outlook of the first `n` customers at every month end before `as_of` (see the module)."""
    ms = w.month_start
    n_months = w.months
    cut = int((ms[1:] <= as_of).sum())  # month ends (ms[m + 1] - 1) before the as-of
    subs = w.subs
    s_ok = (subs["start"] >= 0) & (subs["customer"] < n)
    s_idx = np.flatnonzero(s_ok)
    s0 = _month_index(ms, subs["start"][s_idx])
    last = np.where(subs["ended"][s_idx] >= 0, _month_index(ms, subs["ended"][s_idx]) - 1, n_months - 1)
    last = np.minimum(last, cut - 1)
    count = np.maximum(last - s0 + 1, 0)
    sub = np.repeat(s_idx, count)
    m = np.repeat(s0, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    c = subs["customer"][sub]
    order = np.lexsort((m, c))
    sub, m, c = sub[order], m[order], c[order]
    k = len(sub)

    start = subs["start"][sub]
    first = _month_index(ms, start)  # month the subscription started paying (tenure 0)
    annual = subs["annual"][sub]  # a term contract: quarterly, semi-annual or annual
    months = subs["interval"][sub]  # months per billing period: 1, or the term's 3, 6 or 12
    seg = w.segment[c]
    card = ~is_net_terms(seg, annual)
    b = ms[m + 1]  # the first day after the month end
    end_window = b + WINDOW_DAYS

    def period_start(month: np.ndarray) -> np.ndarray:
        return add_months(start, month - first)

    def health(month: np.ndarray) -> np.ndarray:
        return w.health[c, np.minimum(month, n_months - 1)].astype(np.float64)

    base = per_segment(seg, C.BASE_HAZARD)

    def hazard(month: np.ndarray) -> np.ndarray:
        raw = np.clip(base * np.exp(C.HAZARD_SLOPE * (0.5 - health(month))), 0, 0.6)
        boost = 1 + C.EARLY_LIFE_BOOST * C.EARLY_LIFE_DECAY ** np.maximum(month - first, 0).astype(float)
        return np.minimum(raw * boost, 0.6)

    def p_invol(month: np.ndarray) -> np.ndarray:
        h = health(month)
        return (0.02 + 0.35 * (1 - h) ** 3) * (0.3 + 0.4 * (1 - h)) ** 3

    survive = np.ones(k)

    def chance(p: np.ndarray, day: np.ndarray, where: np.ndarray) -> None:
        nonlocal survive
        hit = where & (day >= b) & (day < end_window)
        survive = survive * np.where(hit, 1 - np.clip(p, 0, 1), 1)

    canceled = subs["canceled"][sub]
    pending = (canceled >= 0) & (canceled < b) & (subs["ended"][sub] >= b)
    pending_p = np.where(pending, 1.0, 0.0)

    # pauses running at the month end: billing resumes at the pause end
    paused = w.paused_by_month[c, m]
    resume = np.full(k, -1, np.int64)
    p = w.pauses
    if len(p["customer"]):
        po = np.lexsort((p["start"], p["customer"]))
        pc, pstart, pend = p["customer"][po], p["start"][po], p["end"][po]
        # the latest pause of the customer started before b
        at = np.searchsorted(pc * 10**6 + pstart, c * 10**6 + b, side="left") - 1
        ok = paused & (at >= 0)
        ok[ok] = pc[at[ok]] == c[ok]
        resume[ok] = pend[at[ok]]

    def paused_at(month: np.ndarray) -> np.ndarray:
        return (resume >= 0) & (period_start(month) < resume)

    # dunning of this month's invoice in progress (card payers)
    pay = w.payments
    inv = w.invoices
    dun_p = np.zeros(k)
    in_dunning = np.zeros(k, bool)
    if len(inv["customer"]):
        io = np.lexsort((inv["day"], inv["subscription"]))
        isub, iday = inv["subscription"][io], inv["day"][io]
        at = np.searchsorted(isub * 10**6 + iday, sub * 10**6 + b, side="left") - 1
        ok = at >= 0
        ok[ok] = (isub[at[ok]] == sub[ok]) & (iday[at[ok]] >= ms[m[ok]])
        inv_id = np.full(k, -1, np.int64)
        inv_id[ok] = io[at[ok]]
        # attempts of each row's invoice made by the month end
        if len(pay["invoice"]):
            row_of_inv = np.full(len(inv["customer"]), -1, np.int64)
            row_of_inv[inv_id[ok]] = np.flatnonzero(ok)
            r = row_of_inv[pay["invoice"]]
            seen = (r >= 0) & (pay["day"] < b[np.maximum(r, 0)])
            fails = np.bincount(r[seen & ~pay["succeeded"]], minlength=k)
            wins = np.bincount(r[seen & pay["succeeded"]], minlength=k)
            in_dunning = ok & card & (fails >= 1) & (wins == 0) & (fails < len(RETRY_OFFSETS))
            h = health(m)
            dun_p = np.where(in_dunning, (0.3 + 0.4 * (1 - h)) ** (len(RETRY_OFFSETS) - fails), 0.0)
    ps_m = period_start(m)
    chance(dun_p, ps_m + RETRY_OFFSETS[-1], in_dunning)

    # monthly plans
    mon = ~annual & ~pending
    h_m = hazard(m)
    q = np.clip(CLICK_DELAY_MONTHLY - 1 - (b - 1 - ps_m), 0, CLICK_DELAY_MONTHLY) / CLICK_DELAY_MONTHLY
    unseen = h_m * q / np.maximum(1 - h_m + h_m * q, 1e-12)
    chance(unseen, period_start(m + 1), mon & ~paused)
    for ahead in (1, 2, 3):
        mk = m + ahead
        billed = mon & ~paused_at(mk)
        chance(p_invol(mk), period_start(mk) + RETRY_OFFSETS[-1], billed & card)
        chance(hazard(mk), period_start(mk + 1), billed)

    # term contracts (quarterly, semi-annual, annual): the current term's last month decides
    yr = annual & ~pending
    term_q = (m - first) // months
    decide = first + months * term_q + months - 1
    term_end_ann = add_months(start, months * (term_q + 1))
    hz = np.zeros(k)
    for back in range(max(C.TERM_MONTHS)):
        mk = decide - back
        known = mk <= m
        hk = np.where(known, w.hazard[c, np.clip(mk, 0, n_months - 1)].astype(np.float64), hazard(mk))
        hz += np.where((mk >= 0) & (back < months), hk, 0.0)
    hz /= np.minimum(decide + 1, months)
    p_term = 1 - (1 - hz) ** months
    lead = period_start(decide) - (b - 1)  # days from the month end to the decision's period start
    r = np.clip(CLICK_LEAD_ANNUAL - lead, 0, CLICK_LEAD_ANNUAL) / CLICK_LEAD_ANNUAL
    p_ann = np.where(r >= 1, 0.0, p_term * (1 - r) / np.maximum(1 - p_term * r, 1e-12))
    chance(p_ann, term_end_ann, yr & (decide >= m))
    chance(p_invol(decide + 1), term_end_ann + RETRY_OFFSETS[-1], yr & card)

    prob = 1 - (1 - pending_p) * survive
    term_end = np.where(annual, term_end_ann, period_start(m + 1))

    it = w.items
    io = np.lexsort((it["start"], it["subscription"]))
    at = np.searchsorted(it["subscription"][io] * 10**6 + it["start"][io], sub * 10**6 + b, side="left") - 1
    seats = it["quantity"][io][np.maximum(at, 0)].astype(np.int64)

    return pa.table({
        "customer_key": strs(key[c]),
        "month_end": dates(b - 1),
        "billing_interval": strs(np.asarray(INTERVAL_NAMES, dtype=object)[np.searchsorted(INTERVAL_MONTHS,
                                                                                           months)]),
        "term_end": dates(term_end),
        "cancel_pending": pa.array(pending),
        "is_paused": pa.array(paused),
        "in_dunning": pa.array(in_dunning),
        "seats": pa.array(seats),
        "latent_health": pa.array(w.health[c, m]),
        "churn_probability_90d": pa.array(prob),
    })
