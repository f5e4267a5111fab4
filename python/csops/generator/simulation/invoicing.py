"""Billing in the month loop: invoices at each period start, payment attempts with dunning retries,
and involuntary churn when the last retry fails.

Payment failures get likelier as latent health falls, and a retry after a failure fails more often
than a first attempt (same card, same problem).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    """An invoice at each period start (monthly) or term start (annual); none while paused."""
    bill = (b.state == PAYING) & ~paused & (~b.annual | ((m - b.term_start) % 12 == 0))
    idx = np.flatnonzero(bill)
    k = len(idx)
    ids = np.arange(b.n_invoices, b.n_invoices + k)
    b.n_invoices += k
    disc = np.where(period_start[idx] < b.discount_end[idx], b.discount_pct[idx], 0)
    amount = np.round(b.seats[idx] * b.price(idx) * (100 - disc) / 100).astype(np.int64)
    period_end = add_months(period_start[idx], np.where(b.annual[idx], 12, 1))
    return Invoiced(idx, ids, amount, period_end)


def collect_payments(rng: np.random.Generator, b: Book, m: int, period_start: np.ndarray, h: np.ndarray,
                     inv: Invoiced, as_of_day: int) -> None:
    """Payment attempts on this month's invoices, then each invoice's status: paid, uncollectible
    (every retry failed: the subscription is cancelled, involuntary churn) or open (retries still to
    come at the as-of date, the subscription past due). Attempts on or after the as-of date are not
    recorded."""
    idx = inv.customer
    k = len(idx)
    p_fail = 0.02 + 0.35 * (1 - h[idx]) ** 3
    p_retry_fail = 0.3 + 0.4 * (1 - h[idx])
    fails = rng.random((k, 4)) < np.column_stack([p_fail, p_retry_fail, p_retry_fail, p_retry_fail])
    first_ok = np.where(fails.all(1), 4, np.argmin(fails, axis=1))
    n_attempts = np.minimum(first_ok + 1, 4)
    att_inv = np.repeat(np.arange(k), n_attempts)
    att_no = np.arange(len(att_inv)) - np.repeat(np.cumsum(n_attempts) - n_attempts, n_attempts)
    att_day = period_start[idx][att_inv] + RETRY_OFFSETS[att_no]
    happened = att_day < as_of_day
    ok = att_no == first_ok[att_inv]
    b.payments.add(invoice=inv.ids[att_inv][happened], customer=idx[att_inv][happened], day=att_day[happened],
                   amount=inv.amount[att_inv][happened], currency=b.currency[idx][att_inv][happened],
                   succeeded=ok[happened], attempt=att_no[happened] + 1)
    paid_day = period_start[idx] + RETRY_OFFSETS[np.minimum(first_ok, 3)]
    paid = (first_ok < 4) & (paid_day < as_of_day)
    last_try = period_start[idx] + RETRY_OFFSETS[3]
    dunned_out = (first_ok == 4) & (last_try < as_of_day)
    status = np.where(paid, "paid", np.where(dunned_out, "uncollectible", "open"))
    b.invoices.add(customer=idx, subscription=b.cur_sub[idx], day=period_start[idx], period_start=period_start[idx],
                   period_end=inv.period_end, amount=inv.amount, currency=b.currency[idx], status=status,
                   annual=b.annual[idx])
    b.sub_past_due[b.cur_sub[idx]] = ~paid & ~dunned_out
    # Involuntary churn: the subscription is cancelled after the last failed retry.
    churned = idx[dunned_out]
    day = last_try[dunned_out]
    b.end_subscriptions(churned, day)
    b.sub_past_due[b.cur_sub[churned]] = False
    b.churns.add(customer=churned, day=day, kind=np.full(len(churned), "involuntary"))
    b.state[churned] = CHURNED
    b.churned_month[churned] = m
