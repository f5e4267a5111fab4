"""Billing in the month loop: invoices at each period start, payment attempts with dunning retries
for card payers, bank transfers (on time, late or never) for invoiced customers, and involuntary churn
when the last retry fails or an unpaid invoice is written off.

Payment failures get likelier as latent health falls, and a retry after a failure fails more often
than a first attempt (same card, same problem).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config as C
from ..helpers import add_months
from .book import CHURNED, PAYING, Book

# Dunning: the first attempt on the invoice day, then retries 3, 8 and 15 days later.
RETRY_OFFSETS = np.array([0, 3, 8, 15])


@dataclass(frozen=True)
class Invoiced:
    """The invoices issued this month, before they are paid."""

    customer: np.ndarray
    ids: np.ndarray
    amount: np.ndarray  # minor units, after any running discount
    period_end: np.ndarray


def issue_invoices(b: Book, m: int, period_start: np.ndarray, paused: np.ndarray) -> Invoiced:
    """An invoice at each period start (monthly) or term start (quarterly, semi-annual or annual); none
    while paused. Seats added mid-term on a term contract (b.prorate_seats) get a proration invoice
    the same day: the added seats for the rest of the term (whole months left / months in the term)."""
    bill = (b.state == PAYING) & ~paused & ((m - b.term_start) % b.interval == 0)
    prorate = (b.state == PAYING) & ~paused & ~bill & (b.prorate_seats > 0)
    idx = np.flatnonzero(bill | prorate)
    k = len(idx)
    ids = np.arange(b.n_invoices, b.n_invoices + k)
    b.n_invoices += k
    disc = np.where(period_start[idx] < b.discount_end[idx], b.discount_pct[idx], 0)
    left = np.where(prorate[idx], b.interval[idx] - (m - b.term_start[idx]) % b.interval[idx], b.interval[idx])
    seats = np.where(prorate[idx], b.prorate_seats[idx], b.seats[idx])
    amount = np.round(seats * b.price(idx) * left / b.interval[idx] * (100 - disc) / 100).astype(np.int64)
    period_end = add_months(period_start[idx], left)
    return Invoiced(idx, ids, amount, period_end)


def collect_payments(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray, h: np.ndarray,
                     inv: Invoiced, as_of_day: int) -> None:
    """Payment attempts on this month's invoices, then each invoice's status.

    Card payers (everyone but the invoiced customers): paid, uncollectible (every dunning retry failed:
    the subscription is cancelled, involuntary churn) or open (retries still to come at the as-of date,
    the subscription past due).

    Invoiced customers (C.NET_TERMS: enterprise annual contracts, net 30) are never charged: they pay
    by bank transfer, one payment on the day it arrives, on time or late (likelier when struggling),
    the invoice open and then overdue until then; some (C.PARTIAL_PAYMENT_RATE) in two transfers, the
    invoice open until the second arrives; rarely never, and the invoice is written off
    (uncollectible) C.WRITE_OFF_DAYS after it was issued, which cancels the subscription that day.

    Attempts on or after the as-of date are not recorded."""
    idx = inv.customer
    k = len(idx)
    hh = h[idx]
    p_fail = 0.02 + 0.35 * (1 - hh) ** 3
    p_retry_fail = 0.3 + 0.4 * (1 - hh)
    fails = rng.random((k, 4)) < np.column_stack([p_fail, p_retry_fail, p_retry_fail, p_retry_fail])
    late_u, delay_u, never_u, part_u, share_u, gap_u = rng.random((6, k))
    net = is_net_terms(b.segment[idx], b.annual[idx])
    first_ok = np.where(fails.all(1), 4, np.argmin(fails, axis=1))
    n_attempts = np.where(net, 0, np.minimum(first_ok + 1, 4))
    # bank transfers: 5-30 days after the invoice, or 31-90 days (late); a few never arrive
    never = net & (never_u < C.WRITE_OFF_RATE * (1 - hh) ** 3)
    late = late_u < 0.10 + 0.40 * (1 - hh)
    transfer_day = period_start[idx] + np.where(late, 31 + delay_u * 60, 5 + delay_u * 26).astype(np.int64)
    # a partial payment: the first transfer pays a share, the rest arrives 10 to 40 days later
    partial = net & ~never & (part_u < C.PARTIAL_PAYMENT_RATE)
    lo, hi = C.PARTIAL_FIRST_SHARE
    first_part = np.round(inv.amount * (lo + (hi - lo) * share_u)).astype(np.int64)
    rest_after = 10 + (gap_u * 31).astype(np.int64)
    n_attempts = np.where(net & ~never, 1 + partial, n_attempts)
    att_inv = np.repeat(np.arange(k), n_attempts)
    att_no = np.arange(len(att_inv)) - np.repeat(np.cumsum(n_attempts) - n_attempts, n_attempts)
    att_day = np.where(net[att_inv], transfer_day[att_inv] + np.where(att_no == 1, rest_after[att_inv], 0),
                       period_start[idx][att_inv] + RETRY_OFFSETS[att_no])
    att_amount = np.where(partial[att_inv], np.where(att_no == 0, first_part[att_inv],
                                                     inv.amount[att_inv] - first_part[att_inv]),
                          inv.amount[att_inv])
    happened = att_day < as_of_day
    ok = (att_no == first_ok[att_inv]) | net[att_inv]
    b.payments.add(invoice=inv.ids[att_inv][happened], customer=idx[att_inv][happened], day=att_day[happened],
                   amount=att_amount[happened], currency=b.currency[idx][att_inv][happened],
                   succeeded=ok[happened], attempt=att_no[happened] + 1)
    paid_day = np.where(net, transfer_day + np.where(partial, rest_after, 0),
                        period_start[idx] + RETRY_OFFSETS[np.minimum(first_ok, 3)])
    paid = np.where(net, ~never, first_ok < 4) & (paid_day < as_of_day)
    last_try = np.where(net, period_start[idx] + C.WRITE_OFF_DAYS, period_start[idx] + RETRY_OFFSETS[3])
    dunned_out = np.where(net, never, first_ok == 4) & (last_try < as_of_day)
    status = np.where(paid, "paid", np.where(dunned_out, "uncollectible", "open"))
    b.invoices.add(customer=idx, subscription=b.cur_sub[idx], day=period_start[idx], period_start=period_start[idx],
                   period_end=inv.period_end, amount=inv.amount, currency=b.currency[idx], status=status,
                   annual=b.annual[idx])
    # an invoiced customer's subscription is past due only once the invoice is overdue
    overdue = ~net | (period_start[idx] + C.NET_TERMS_DAYS < as_of_day)
    b.sub_past_due[b.cur_sub[idx]] = ~paid & ~dunned_out & overdue
    # Involuntary churn: the subscription is cancelled after the last failed retry, or the write-off.
    churned = idx[dunned_out]
    day = last_try[dunned_out]
    b.end_subscriptions(churned, day)
    b.sub_past_due[b.cur_sub[churned]] = False
    b.churns.add(customer=churned, day=day, kind=np.full(len(churned), "involuntary"))
    b.state[churned] = CHURNED
    # a write-off ends the subscription months later: a comeback counts from then
    b.churned_month[churned] = m + np.where(net[dunned_out], C.WRITE_OFF_DAYS // 30, 0)


def is_net_terms(segment: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """Customers who pay by invoice (bank transfer, net 30) rather than by card: enterprise term contracts."""
    return (segment == C.SEGMENTS.index(C.NET_TERMS_SEGMENT)) & annual
