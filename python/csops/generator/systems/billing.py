"""Billing (Stripe-like): customers, plans, subscriptions, subscription items, subscription pauses,
invoices, payments and daily fx rates.

Everything but the catalogue (plans) and the fx rates is the simulated subscription ledger as Stripe
exports it: epoch seconds, amounts in minor units, lower-case currencies, one free internal
subscription per test customer, and a third of the customers without their CRM account id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .. import config as C
from .. import text as T
from ..export import Export, RawTable, drop_repeats, versions
from ..helpers import SECONDS_PER_DAY, add_months, dates, epoch
from ..simulation.invoicing import is_net_terms
from ..world import unit_amount_minor

SYSTEM = "billing"
TABLES = ("customers", "plans", "subscriptions", "subscription_items", "subscription_pauses", "invoices",
          "payments", "fx_rates")


# The catalogue: one plan per tier, billing period and currency. A billing period of 1, 3, 6 or 12
# months is Stripe's (interval, interval_count): (month, 1), (month, 3), (month, 6), (year, 1). The
# quarterly and semi-annual plans come after the monthly and yearly ones.
PERIODS = {1: ("month", 1, "monthly"), 12: ("year", 1, "yearly"), 3: ("month", 3, "quarterly"),
           6: ("month", 6, "semiannual")}
PLAN_ROWS = ([(t, months, c) for t in C.PLAN_TIERS for months in (1, 12) for c in C.CURRENCIES]
             + [(t, months, c) for months in (3, 6) for t in C.PLAN_TIERS for c in C.CURRENCIES])
PLAN_IDS = np.asarray([f"plan_{t}_{PERIODS[m][2]}_{c.lower()}" for t, m, c in PLAN_ROWS], dtype=object)
_PLAN_INDEX = np.zeros((len(C.PLAN_TIERS), 13, len(C.CURRENCIES)), np.int64)
for _k, (_t, _m, _c) in enumerate(PLAN_ROWS):
    _PLAN_INDEX[C.PLAN_TIERS.index(_t), _m, C.CURRENCIES.index(_c)] = _k


def plan_id(tier: np.ndarray, interval: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """The plan of each (tier index, months per billing period, currency index)."""
    return PLAN_IDS[_PLAN_INDEX[np.asarray(tier), np.asarray(interval), np.asarray(currency)]]


@dataclass(frozen=True)
class InternalCustomers:
    """The internal test customers (one per CRM test account), each with one free subscription."""

    ids: np.ndarray
    created: np.ndarray  # epoch seconds; their subscription starts then too


def anchor_seconds(ctx: Export) -> np.ndarray:
    """The time of day (seconds) of each subscription's billing anchor: its creation time, which its
    periods, items, pauses, invoices and charges keep (from a stream of its own)."""
    return ctx.rng("billing:anchor_time").integers(0, 86_400, len(ctx.w.subs["customer"]))


def emit(ctx: Export) -> Iterator[RawTable]:
    """The tables in TABLES order, from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    customers, tests = _customers(ctx, rng)
    yield customers
    yield _plans(ctx, rng)
    sub_ids = T.ids("sub_", len(ctx.w.subs["customer"]) + len(tests.ids), 9, 12)
    anchor = anchor_seconds(ctx)
    settle = _settlements(ctx, rng, anchor)
    yield _subscriptions(ctx, rng, tests, sub_ids, settle, anchor)
    yield _subscription_items(ctx, rng, tests, sub_ids, anchor)
    yield _subscription_pauses(ctx, rng, sub_ids, anchor)
    inv_ids = T.ids("in_", len(ctx.w.invoices["customer"]), 11, 12)
    yield _invoices(ctx, rng, sub_ids, inv_ids, settle, anchor)
    yield _payments(ctx, rng, inv_ids, settle.pay_at)
    yield _fx_rates(ctx, rng)


@dataclass(frozen=True)
class Settlements:
    """When each payment attempt happened, and how each invoice ended (if it did before the horizon)."""

    pay_at: np.ndarray  # epoch seconds of each payment attempt
    overdue_from: np.ndarray  # per invoice: day it went past due (a failed first charge, or net terms
    #                           passed unpaid), -1 if never
    settled_at: np.ndarray  # per invoice: epoch seconds of the successful or last failed attempt, or of
    #                         the write-off of an invoiced customer's unpaid invoice; -1 if open
    paid: np.ndarray  # per invoice: settled by a successful attempt
    part_paid_at: np.ndarray  # per invoice: epoch seconds of a first payment that paid only part of it, or -1
    part_paid: np.ndarray  # per invoice: the amount that first partial payment paid (0 without one)


def _settlements(ctx: Export, rng: np.random.Generator, sec: np.ndarray) -> Settlements:
    iv, p = ctx.w.invoices, ctx.w.payments
    nv = len(iv["customer"])
    pay_at = (p["day"] * SECONDS_PER_DAY + sec[iv["subscription"][p["invoice"]]]
              + rng.integers(3_600, 20_000, len(p["invoice"])))
    ok, att, inv = p["succeeded"], p["attempt"], p["invoice"]
    # paid once the successful payments add up to the amount due (an invoiced customer may pay in two
    # transfers: the invoice stays open, partly paid, until the second)
    paid_sum = np.zeros(nv, np.int64)
    np.add.at(paid_sum, inv[ok], p["amount"][ok])
    last_ok = np.full(nv, -1, np.int64)
    np.maximum.at(last_ok, inv[ok], pay_at[ok])
    paid = (last_ok >= 0) & (paid_sum >= iv["amount"])
    settled_at = np.where(paid, last_ok, -1)
    first = ok & (att == 1) & (p["amount"] < iv["amount"][inv])
    part_paid_at = np.full(nv, -1, np.int64)
    part_paid = np.zeros(nv, np.int64)
    part_paid_at[inv[first]] = pay_at[first]
    part_paid[inv[first]] = p["amount"][first]
    dunned = ~ok & (att == 4)
    settled_at[inv[dunned]] = pay_at[dunned]
    # invoiced customers (net terms) are never charged: an unpaid invoice is written off
    net = is_net_terms(ctx.w.segment[iv["customer"]], iv["annual"])
    written_off = net & (iv["status"] == "uncollectible")
    settled_at[written_off] = ((iv["day"][written_off] + C.WRITE_OFF_DAYS) * SECONDS_PER_DAY
                               + sec[iv["subscription"][written_off]])
    overdue_from = np.full(nv, -1, np.int64)
    overdue_from[inv[(att == 1) & ~ok]] = iv["day"][inv[(att == 1) & ~ok]]
    due = iv["day"] + C.NET_TERMS_DAYS
    late = net & ((settled_at < 0) | (settled_at // SECONDS_PER_DAY > due))
    overdue_from[late] = due[late]
    return Settlements(pay_at, overdue_from, settled_at, paid, part_paid_at, part_paid)


def _customers(ctx: Export, rng: np.random.Generator) -> tuple[RawTable, InternalCustomers]:
    """One billing customer per customer (a third without their CRM id), plus the test customers."""
    w, e = ctx.w, ctx.entities
    n = w.n
    assert ctx.crm is not None, "the crm system runs first"
    n_test = len(ctx.crm.test_ids)
    test_ids = T.ids("cus_", n_test, 8, 12)
    cust_ids = np.concatenate([e.billing_id, test_ids])
    has_crm = rng.random(n) >= C.FLAW_RATES["billing_customer_missing_crm_id"]
    crm = np.concatenate([np.where(has_crm, e.crm_id, None), ctx.crm.test_ids])
    billing_local = T.pick(rng, ("billing", "accounts", "finance", "ap"), n)
    _, _, person_email = ctx.person(np.arange(n), np.zeros(n, np.int64), rng)
    email = np.where(rng.random(n) < 0.35, T.join(billing_local, "@", e.domain), person_email)
    email = np.concatenate([email, T.join("qa+", np.arange(n_test).astype(str), "@", C.INTERNAL_DOMAIN)])
    name = np.where(rng.random(n) < 0.5, T.join(e.name, " ", e.legal), e.name)
    created = np.concatenate([w.signup_day * SECONDS_PER_DAY + rng.integers(0, 86_400, n),
                              w.month_start[0] * SECONDS_PER_DAY + rng.integers(0, 86_400 * 300, n_test)])
    cols = {
        "id": cust_ids,
        "crm_account_id": crm,
        "name": np.concatenate([name, T.join("Lumen QA ", np.arange(n_test).astype(str))]),
        "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "currency": np.char.lower(np.concatenate([e.currency_code, np.full(n_test, "USD")]).astype(str)),
        "address_country": np.concatenate([e.country, np.full(n_test, "US", dtype=object)]),
        "created": epoch(created),
        "deleted": np.concatenate([np.zeros(n, bool), rng.random(n_test) < 0.3]),
        "_loaded_at": ctx.loaded_at(rng, created),
    }
    ctx.identity("billing", "customers", cust_ids, np.concatenate([np.arange(n), np.full(n_test, -1)]),
                  np.concatenate([np.full(n, "customer", dtype=object), np.full(n_test, "internal", dtype=object)]))
    return (ctx.table("billing", "customers", cols, refs=[("crm", "accounts", crm)]),
            InternalCustomers(test_ids, created[n:]))


def _plans(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The plan catalogue at list prices (never re-synced)."""
    tier_i = np.array([C.PLAN_TIERS.index(p[0]) for p in PLAN_ROWS])
    cur_i = np.array([C.CURRENCIES.index(p[2]) for p in PLAN_ROWS])
    months = np.array([p[1] for p in PLAN_ROWS])
    created = np.full(len(PLAN_ROWS), (ctx.w.month_start[0] - 30) * SECONDS_PER_DAY)
    cols = {
        "id": PLAN_IDS,
        "product_name": np.asarray([f"{C.COMPANY_NAME} {t.capitalize()}" for t, _, _ in PLAN_ROWS], dtype=object),
        "tier": np.asarray([p[0] for p in PLAN_ROWS], dtype=object),
        "interval": np.asarray([PERIODS[p[1]][0] for p in PLAN_ROWS], dtype=object),
        "interval_count": np.asarray([PERIODS[p[1]][1] for p in PLAN_ROWS], dtype=np.int64),
        "currency": np.asarray([p[2].lower() for p in PLAN_ROWS], dtype=object),
        "unit_amount": unit_amount_minor(tier_i, cur_i, months),
        "active": np.ones(len(PLAN_ROWS), bool),
        "created": epoch(created),
        "_loaded_at": ctx.loaded_at(rng, created),
    }
    return ctx.table("billing", "plans", cols, dup_rate=0)


def _covered(rec: np.ndarray, day: np.ndarray, iv_rec: np.ndarray, iv_start: np.ndarray,
             iv_end: np.ndarray) -> np.ndarray:
    """Whether day `day` of record `rec` falls in one of the intervals [iv_start, iv_end) of that record."""
    if not len(iv_rec):
        return np.zeros(len(rec), bool)
    key = np.concatenate([iv_rec * 1_000_000 + iv_start, iv_rec * 1_000_000 + iv_end])
    step = np.concatenate([np.ones(len(iv_rec), np.int64), -np.ones(len(iv_rec), np.int64)])
    order = np.argsort(key, kind="stable")
    key, depth = key[order], np.cumsum(step[order])
    at = np.searchsorted(key, rec * 1_000_000 + day, side="right") - 1
    return (at >= 0) & (depth[np.maximum(at, 0)] > 0)


def _period(anchor: np.ndarray, interval: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """The start of the billing period (every `interval` months from `anchor`) that contains `last_day`."""
    months = ((last_day.astype("datetime64[D]").astype("datetime64[M]")
               - anchor.astype("datetime64[D]").astype("datetime64[M]")).astype(np.int64))
    months = np.maximum(months, 0)
    per_start = add_months(anchor, months)
    months = np.where(per_start > last_day, months - 1, months)
    months = months // interval * interval
    return add_months(anchor, np.maximum(months, 0))


def _subscriptions(ctx: Export, rng: np.random.Generator, tests: InternalCustomers, sub_ids: np.ndarray,
                   settle: Settlements, anchor: np.ndarray) -> RawTable:
    """The version log of the simulated subscriptions: a row when one is created and one each time
    its state changes (the trial ends, a period starts, an invoice goes past due or is paid, a pause
    starts or ends, the customer cancels, it ends); plus one free internal subscription per test customer."""
    w, e = ctx.w, ctx.entities
    s = w.subs
    ns, n_test, test_ids = len(s["customer"]), len(tests.ids), tests.ids
    interval, start, ended = s["interval"], s["start"], s["ended"]
    sec = anchor
    # when the state can change: created, trial end, each period start, cancellation, end, past due, pauses
    iv = w.invoices
    pd = np.flatnonzero((settle.overdue_from >= 0) & (settle.overdue_from < w.horizon))
    pd_start = settle.overdue_from[pd]
    pd_end = np.where(settle.settled_at[pd] >= 0, settle.settled_at[pd] // SECONDS_PER_DAY, w.horizon)
    ps = w.pauses
    limit = np.where(ended >= 0, ended, w.horizon)
    step = interval
    running = start >= 0
    n_periods = np.where(running, _months_between(np.maximum(start, 0), limit) // step + 1, 0)
    p_rec = np.repeat(np.arange(ns), n_periods)
    p_j = np.arange(len(p_rec)) - np.repeat(np.cumsum(n_periods) - n_periods, n_periods)
    p_day = add_months(start[p_rec], p_j * step[p_rec]) if len(p_rec) else np.zeros(0, np.int64)
    p_day = np.where(p_day < limit[p_rec], p_day, -1)
    rec, day = versions([
        (np.arange(ns), s["created"]), (np.arange(ns), s["trial_end"]), (np.arange(ns), ended),
        (np.arange(ns), s["canceled"]), (p_rec, p_day),
        (iv["subscription"][pd], pd_start), (iv["subscription"][pd], np.where(pd_end < w.horizon, pd_end, -1)),
        (ps["subscription"], ps["start"]), (ps["subscription"], np.where(ps["end"] < w.horizon, ps["end"], -1)),
    ])
    # the state after each change
    is_ended = (ended[rec] >= 0) & (day >= ended[rec])
    in_trial = (s["trial_end"][rec] >= 0) & (day < s["trial_end"][rec])
    paused = _covered(rec, day, ps["subscription"], ps["start"], ps["end"])
    past_due = _covered(rec, day, iv["subscription"][pd], pd_start, pd_end)
    status = np.select([is_ended, in_trial, paused, past_due], ["canceled", "trialing", "paused", "past_due"],
                       "active").astype(object)
    last_day = np.minimum(day, np.where(ended[rec] >= 0, ended[rec] - 1, day))
    per_start = _period(np.where(running[rec], start[rec], s["created"][rec]), interval[rec], last_day)
    per_end = add_months(per_start, interval[rec])
    trial_period = (s["trial_end"][rec] >= 0) & ((day < s["trial_end"][rec]) | ~running[rec])
    per_start = np.where(trial_period, s["created"][rec], per_start)
    per_end = np.where(trial_period, s["trial_end"][rec], per_end)
    canceled = (s["canceled"][rec] >= 0) & (day >= s["canceled"][rec])
    keep = drop_repeats(rec, [status, per_start, per_end, canceled, is_ended])
    rec, day, status, per_start, per_end, canceled, is_ended = (
        rec[keep], day[keep], status[keep], per_start[keep], per_end[keep], canceled[keep], is_ended[keep])
    trial_start = np.where(s["trial_end"] >= 0, s["created"], -1)
    changed = np.concatenate([day * SECONDS_PER_DAY + sec[rec], tests.created])
    cols = {
        "id": sub_ids[np.concatenate([rec, ns + np.arange(n_test)])],
        "customer_id": np.concatenate([e.billing_id[s["customer"][rec]], test_ids]),
        "status": np.concatenate([status, np.full(n_test, "active", dtype=object)]),
        "currency": np.char.lower(np.concatenate([np.array(C.CURRENCIES)[s["currency"][rec]],
                                                  np.full(n_test, "USD")]).astype(str)),
        "created": epoch(np.concatenate([s["created"][rec] * SECONDS_PER_DAY + sec[rec], tests.created])),
        "start_date": epoch(np.concatenate([np.where(start[rec] >= 0, start[rec] * SECONDS_PER_DAY + sec[rec], -1),
                                            tests.created])),
        "trial_start": epoch(np.concatenate([np.where(trial_start[rec] >= 0,
                                                      trial_start[rec] * SECONDS_PER_DAY + sec[rec], -1),
                                             np.full(n_test, -1)])),
        "trial_end": epoch(np.concatenate([np.where(s["trial_end"][rec] >= 0,
                                                    s["trial_end"][rec] * SECONDS_PER_DAY + sec[rec], -1),
                                           np.full(n_test, -1)])),
        "current_period_start": epoch(np.concatenate([per_start * SECONDS_PER_DAY + sec[rec], tests.created])),
        "current_period_end": epoch(np.concatenate([per_end * SECONDS_PER_DAY + sec[rec],
                                                    tests.created + 30 * 86_400])),
        "cancel_at_period_end": np.concatenate([canceled & ~is_ended, np.zeros(n_test, bool)]),
        "canceled_at": epoch(np.concatenate([np.where(canceled, s["canceled"][rec] * SECONDS_PER_DAY + sec[rec], -1),
                                             np.full(n_test, -1)])),
        "ended_at": epoch(np.concatenate([np.where(is_ended, ended[rec] * SECONDS_PER_DAY + sec[rec], -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    return ctx.table("billing", "subscriptions", cols, record=np.concatenate([rec, ns + np.arange(n_test)]),
                     changed=changed, refs=[("billing", "customers", cols["customer_id"])])


def _months_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whole calendar months from day a to day b (b's month minus a's month)."""
    return (b.astype("datetime64[D]").astype("datetime64[M]")
            - a.astype("datetime64[D]").astype("datetime64[M]")).astype(np.int64)


def _subscription_items(ctx: Export, rng: np.random.Generator, tests: InternalCustomers,
                        sub_ids: np.ndarray, anchor: np.ndarray) -> RawTable:
    """One item per period of constant plan, seats and discount, as a version log: a row when it starts
    and one when it ends; the test subscriptions' items are free."""
    ns, n_test = len(ctx.w.subs["customer"]), len(tests.ids)
    it = ctx.w.items
    ni = len(it["customer"])
    item_ids = T.ids("si_", ni + n_test, 10, 12)
    sec = anchor[it["subscription"]]
    rec, day = versions([(np.arange(ni), it["start"]), (np.arange(ni), it["end"])])
    ended = (it["end"][rec] >= 0) & (day >= it["end"][rec])
    disc_end = np.where(it["discount_pct"] > 0, it["discount_end"] * SECONDS_PER_DAY + sec, -1)[rec]
    changed = np.concatenate([day * SECONDS_PER_DAY + sec[rec], tests.created])
    cols = {
        "id": item_ids[np.concatenate([rec, ni + np.arange(n_test)])],
        "subscription_id": np.concatenate([sub_ids[it["subscription"][rec]], sub_ids[ns:]]),
        "plan_id": np.concatenate([plan_id(it["tier"][rec], it["interval"][rec], it["currency"][rec]),
                                   np.full(n_test, PLAN_IDS[6], dtype=object)]),
        "quantity": np.concatenate([it["quantity"][rec], np.ones(n_test, np.int64)]),
        "unit_amount": np.concatenate([it["unit_amount"][rec], np.full(n_test, 3500)]),
        # test subscriptions are on a real plan at list price (excluding internal accounts matters)
        "discount_percent": pa.array(np.concatenate([it["discount_pct"][rec], np.zeros(n_test)]).astype(float),
                                     mask=np.concatenate([it["discount_pct"][rec] <= 0, np.ones(n_test, bool)])),
        "discount_end": epoch(np.concatenate([disc_end, np.full(n_test, -1)])),
        "started_at": epoch(np.concatenate([it["start"][rec] * SECONDS_PER_DAY + sec[rec], tests.created])),
        "ended_at": epoch(np.concatenate([np.where(ended, it["end"][rec] * SECONDS_PER_DAY + sec[rec], -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    return ctx.table("billing", "subscription_items", cols, record=np.concatenate([rec, ni + np.arange(n_test)]),
                     changed=changed, refs=[("billing", "subscriptions", cols["subscription_id"]),
                                            ("billing", "plans", cols["plan_id"])])


def _subscription_pauses(ctx: Export, rng: np.random.Generator, sub_ids: np.ndarray,
                         anchor: np.ndarray) -> RawTable:
    """Billing stops between paused_at and resumes_at (a scheduled date, possibly ahead)."""
    ps = ctx.w.pauses
    npz = len(ps["subscription"])
    sec = anchor[ps["subscription"]]
    paused_at = ps["start"] * SECONDS_PER_DAY + sec
    cols = {
        "id": T.ids("pause_", npz, 18, 12),
        "subscription_id": sub_ids[ps["subscription"]],
        "paused_at": epoch(paused_at),
        "resumes_at": epoch(ps["end"] * SECONDS_PER_DAY + sec),
        "_loaded_at": ctx.loaded_at(rng, paused_at - rng.integers(86_400, 10 * 86_400, npz)),
    }
    return ctx.table("billing", "subscription_pauses", cols,
                     refs=[("billing", "subscriptions", cols["subscription_id"])])


def _invoices(ctx: Export, rng: np.random.Generator, sub_ids: np.ndarray, inv_ids: np.ndarray,
              settle: Settlements, anchor: np.ndarray) -> RawTable:
    """The simulated invoices as a version log: open when issued (and still open, partly paid, at the
    first of two transfers), then paid at the successful payment attempt (the last), or uncollectible
    at the last failed retry or (invoiced customers) the write-off; still open when neither happened
    yet. Invoiced customers (enterprise term contracts) are due in C.NET_TERMS_DAYS days, card payers
    at once."""
    w, e = ctx.w, ctx.entities
    iv = w.invoices
    nv = len(iv["customer"])
    sec = anchor[iv["subscription"]]
    inv_created = iv["day"] * SECONDS_PER_DAY + sec + rng.integers(0, 3_600, nv)
    net_terms = is_net_terms(w.segment[iv["customer"]], iv["annual"])
    settled = settle.settled_at >= 0
    part = settle.part_paid_at >= 0
    rec = np.concatenate([np.arange(nv), np.flatnonzero(part), np.flatnonzero(settled)])
    stage = np.concatenate([np.zeros(nv, np.int64), np.ones(part.sum(), np.int64), np.full(settled.sum(), 2)])
    order = np.lexsort((stage, rec))
    rec, stage = rec[order], stage[order]
    final = stage == 2
    paid = final & settle.paid[rec]
    status = np.where(final, np.where(paid, "paid", "uncollectible"), "open")
    changed = np.where(final, settle.settled_at[rec],
                       np.where(stage == 1, settle.part_paid_at[rec], inv_created[rec]))
    cols = {
        "id": inv_ids[rec],
        "customer_id": e.billing_id[iv["customer"][rec]],
        "subscription_id": sub_ids[iv["subscription"][rec]],
        "status": status,
        "created": epoch(inv_created[rec]),
        "due_date": epoch(inv_created[rec] + np.where(net_terms[rec], C.NET_TERMS_DAYS, 0) * 86_400),
        "period_start": epoch(iv["period_start"][rec] * SECONDS_PER_DAY + sec[rec]),
        "period_end": epoch(iv["period_end"][rec] * SECONDS_PER_DAY + sec[rec]),
        "amount_due": iv["amount"][rec],
        "amount_paid": np.where(paid, iv["amount"][rec], np.where(stage == 1, settle.part_paid[rec], 0)),
        "currency": np.char.lower(np.array(C.CURRENCIES)[iv["currency"][rec]]),
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    return ctx.table("billing", "invoices", cols, record=rec, changed=changed,
                     refs=[("billing", "customers", cols["customer_id"]),
                           ("billing", "subscriptions", cols["subscription_id"])])


def _payments(ctx: Export, rng: np.random.Generator, inv_ids: np.ndarray, pay_at: np.ndarray) -> RawTable:
    """Every payment attempt (charge), failed ones with a failure code."""
    e = ctx.entities
    p = ctx.w.payments
    npay = len(p["invoice"])
    fail_code = np.where(p["succeeded"], None,
                         T.pick(rng, ("card_declined", "insufficient_funds", "expired_card",
                                      "processing_error"), npay, p=(0.5, 0.3, 0.15, 0.05)))
    cols = {
        "id": T.ids("ch_", npay, 12, 12),
        "invoice_id": inv_ids[p["invoice"]],
        "customer_id": e.billing_id[p["customer"]],
        "created": epoch(pay_at),
        "amount": p["amount"],
        "currency": np.char.lower(np.array(C.CURRENCIES)[p["currency"]]),
        "status": np.where(p["succeeded"], "succeeded", "failed"),
        "failure_code": fail_code,
        "attempt_count": p["attempt"],
        "_loaded_at": ctx.loaded_at(rng, pay_at),
    }
    return ctx.table("billing", "payments", cols, refs=[("billing", "invoices", cols["invoice_id"])])


def _fx_rates(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Daily USD rates from a month before the window: a gentle random walk around the start rates. The
    feed loads a day's rates for every currency in one sync (one _loaded_at per day), so no cut of the
    raw data holds part of a rate day."""
    w = ctx.w
    days = np.arange(w.month_start[0] - 31, w.horizon)
    nd = len(days)
    rows_cur, rows_day, rows_rate = [], [], []
    for c in C.CURRENCIES:
        walk = np.exp(np.cumsum(rng.normal(0, 0.004, nd))) if c != "USD" else np.ones(nd)
        rows_cur.append(np.full(nd, c, dtype=object))
        rows_day.append(days)
        rows_rate.append(np.round(C.FX_START[c] * walk, 6))
    fx_day = np.concatenate(rows_day)
    cols = {
        "rate_date": dates(fx_day),
        "base_currency": np.full(len(fx_day), "USD", dtype=object),
        "quote_currency": np.concatenate(rows_cur),
        "rate": np.concatenate(rows_rate),
        "_loaded_at": np.tile(ctx.loaded_at(rng, (days + 1) * SECONDS_PER_DAY), len(C.CURRENCIES)),
    }
    return ctx.table("billing", "fx_rates", cols, dup_rate=0)
