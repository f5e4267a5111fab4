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
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, add_months, dates, epoch
from ..simulation.invoicing import is_net_terms
from ..world import unit_amount_minor

SYSTEM = "billing"
TABLES = ("customers", "plans", "subscriptions", "subscription_items", "subscription_pauses", "invoices",
          "payments", "fx_rates")


# The catalogue: one plan per tier, interval and currency.
PLAN_ROWS = [(t, iv, c) for t in C.PLAN_TIERS for iv in ("month", "year") for c in C.CURRENCIES]
PLAN_IDS = np.asarray([f"plan_{t}_{iv}ly_{c.lower()}" for t, iv, c in PLAN_ROWS], dtype=object)


def plan_id(tier: np.ndarray, annual: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """The plan of each (tier index, annual, currency index)."""
    return PLAN_IDS[(np.asarray(tier) * 2 + np.asarray(annual).astype(int)) * 3 + np.asarray(currency)]


@dataclass(frozen=True)
class InternalCustomers:
    """The internal test customers (one per CRM test account), each with one free subscription."""

    ids: np.ndarray
    created: np.ndarray  # epoch seconds; their subscription starts then too


def anchor_seconds(ctx: Export) -> np.ndarray:
    """The time of day (seconds) of each subscription's billing anchor: its creation time, which its
    periods, items, pauses and invoices keep (from a stream of its own)."""
    return ctx.rng("billing:anchor_time").integers(0, 86_400, len(ctx.w.subs["customer"]))


def emit(ctx: Export) -> Iterator[RawTable]:
    """The tables in TABLES order, from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    customers, tests = _customers(ctx, rng)
    yield customers
    yield _plans(ctx, rng)
    sub_ids = T.ids("sub_", len(ctx.w.subs["customer"]) + len(tests.ids), 9, 12)
    yield _subscriptions(ctx, rng, tests, sub_ids)
    yield _subscription_items(ctx, rng, tests, sub_ids)
    yield _subscription_pauses(ctx, rng, sub_ids)
    inv_ids = T.ids("in_", len(ctx.w.invoices["customer"]), 11, 12)
    yield _invoices(ctx, rng, sub_ids, inv_ids)
    yield _payments(ctx, rng, inv_ids)
    yield _fx_rates(ctx, rng)


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
        "_loaded_at": ctx.loaded_at(rng, None, n + n_test),
    }
    ctx.identity("billing", "customers", cust_ids, np.concatenate([np.arange(n), np.full(n_test, -1)]),
                  np.concatenate([np.full(n, "customer", dtype=object), np.full(n_test, "internal", dtype=object)]))
    return ctx.table("billing", "customers", cols), InternalCustomers(test_ids, created[n:])


def _plans(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The plan catalogue at list prices (never re-synced)."""
    tier_i = np.array([C.PLAN_TIERS.index(p[0]) for p in PLAN_ROWS])
    cur_i = np.array([C.CURRENCIES.index(p[2]) for p in PLAN_ROWS])
    ann = np.array([p[1] == "year" for p in PLAN_ROWS])
    cols = {
        "id": PLAN_IDS,
        "product_name": np.asarray([f"{C.COMPANY_NAME} {t.capitalize()}" for t, _, _ in PLAN_ROWS], dtype=object),
        "tier": np.asarray([p[0] for p in PLAN_ROWS], dtype=object),
        "interval": np.asarray([p[1] for p in PLAN_ROWS], dtype=object),
        "currency": np.asarray([p[2].lower() for p in PLAN_ROWS], dtype=object),
        "unit_amount": unit_amount_minor(tier_i, cur_i, ann),
        "active": np.ones(len(PLAN_ROWS), bool),
        "created": epoch(np.full(len(PLAN_ROWS), (ctx.w.month_start[0] - 30) * SECONDS_PER_DAY)),
        "_loaded_at": ctx.loaded_at(rng, None, len(PLAN_ROWS)),
    }
    return ctx.table("billing", "plans", cols, dup_rate=0)


def _subscriptions(ctx: Export, rng: np.random.Generator, tests: InternalCustomers, sub_ids: np.ndarray) -> RawTable:
    """The simulated subscriptions as they stand at the as-of date (status, current period), plus one
    free internal subscription per test customer."""
    w, e = ctx.w, ctx.entities
    s = w.subs
    ns, n_test, test_ids = len(s["customer"]), len(tests.ids), tests.ids
    trial_start = np.where(s["trial_end"] >= 0, s["created"], -1)
    annual = s["annual"]
    anchor = np.where(s["start"] >= 0, s["start"], s["created"])
    last_day = np.where(s["ended"] >= 0, s["ended"] - 1, w.as_of - 1)
    months = ((last_day.astype("datetime64[D]").astype("datetime64[M]")
               - anchor.astype("datetime64[D]").astype("datetime64[M]")).astype(np.int64))
    months = np.maximum(months, 0)
    per_start = add_months(anchor, months)
    months = np.where(per_start > last_day, months - 1, months)
    months = np.where(annual, months // 12 * 12, months)
    per_start = add_months(anchor, np.maximum(months, 0))
    per_end = add_months(per_start, np.where(annual, 12, 1))
    in_trial = (s["trial_end"] >= w.as_of) & (s["ended"] < 0)
    status = np.select([s["ended"] >= 0, in_trial, s["paused"], s["past_due"]],
                       ["canceled", "trialing", "paused", "past_due"], "active")
    sec = anchor_seconds(ctx)
    # a trial not (yet) converted shows the trial as its period, not a year
    trial_period = (s["trial_end"] >= 0) & ((s["start"] < 0) | in_trial)
    per_start = np.where(trial_period, s["created"], per_start)
    per_end = np.where(trial_period, s["trial_end"], per_end)
    cols = {
        "id": sub_ids,
        "customer_id": np.concatenate([e.billing_id[s["customer"]], test_ids]),
        "status": np.concatenate([status, np.full(n_test, "active", dtype=object)]),
        "currency": np.char.lower(np.concatenate([np.array(C.CURRENCIES)[s["currency"]],
                                                  np.full(n_test, "USD")]).astype(str)),
        "created": epoch(np.concatenate([s["created"] * SECONDS_PER_DAY + sec, tests.created])),
        "start_date": epoch(np.concatenate([np.where(s["start"] >= 0, s["start"] * SECONDS_PER_DAY + sec, -1),
                                            tests.created])),
        "trial_start": epoch(np.concatenate([np.where(trial_start >= 0, trial_start * SECONDS_PER_DAY + sec,
                                                      -1), np.full(n_test, -1)])),
        "trial_end": epoch(np.concatenate([np.where(s["trial_end"] >= 0, s["trial_end"] * SECONDS_PER_DAY + sec,
                                                    -1), np.full(n_test, -1)])),
        "current_period_start": epoch(np.concatenate([per_start * SECONDS_PER_DAY + sec, tests.created])),
        "current_period_end": epoch(np.concatenate([per_end * SECONDS_PER_DAY + sec, tests.created + 30 * 86_400])),
        "cancel_at_period_end": np.concatenate([(s["canceled"] >= 0) & (s["ended"] < 0), np.zeros(n_test, bool)]),
        "canceled_at": epoch(np.concatenate([np.where(s["canceled"] >= 0, s["canceled"] * SECONDS_PER_DAY
                                                      + sec, -1), np.full(n_test, -1)])),
        "ended_at": epoch(np.concatenate([np.where(s["ended"] >= 0, s["ended"] * SECONDS_PER_DAY + sec, -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": ctx.loaded_at(rng, None, ns + n_test),
    }
    return ctx.table("billing", "subscriptions", cols)


def _subscription_items(ctx: Export, rng: np.random.Generator, tests: InternalCustomers,
                        sub_ids: np.ndarray) -> RawTable:
    """One row per period of constant plan, seats and discount; the test subscriptions' items are free."""
    ns, n_test = len(ctx.w.subs["customer"]), len(tests.ids)
    it = ctx.w.items
    ni = len(it["customer"])
    item_ids = T.ids("si_", ni + n_test, 10, 12)
    sec = anchor_seconds(ctx)[it["subscription"]]
    disc_end = np.where(it["discount_pct"] > 0, it["discount_end"] * SECONDS_PER_DAY + sec, -1)
    cols = {
        "id": item_ids,
        "subscription_id": np.concatenate([sub_ids[it["subscription"]], sub_ids[ns:]]),
        "plan_id": np.concatenate([plan_id(it["tier"], it["annual"], it["currency"]),
                                   np.full(n_test, PLAN_IDS[6], dtype=object)]),
        "quantity": np.concatenate([it["quantity"], np.ones(n_test, np.int64)]),
        "unit_amount": np.concatenate([it["unit_amount"], np.full(n_test, 3500)]),
        # test subscriptions are on a real plan at list price (excluding internal accounts matters)
        "discount_percent": pa.array(np.concatenate([it["discount_pct"], np.zeros(n_test, np.int64)]).astype(float),
                                     mask=np.concatenate([it["discount_pct"] <= 0, np.ones(n_test, bool)])),
        "discount_end": epoch(np.concatenate([disc_end, np.full(n_test, -1)])),
        "started_at": epoch(np.concatenate([it["start"] * SECONDS_PER_DAY + sec, tests.created])),
        "ended_at": epoch(np.concatenate([np.where(it["end"] >= 0, it["end"] * SECONDS_PER_DAY + sec, -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": ctx.loaded_at(rng, None, ni + n_test),
    }
    return ctx.table("billing", "subscription_items", cols)


def _subscription_pauses(ctx: Export, rng: np.random.Generator, sub_ids: np.ndarray) -> RawTable:
    """Billing stops between paused_at and resumes_at (a scheduled date, possibly ahead)."""
    ps = ctx.w.pauses
    npz = len(ps["subscription"])
    sec = anchor_seconds(ctx)[ps["subscription"]]
    paused_at = ps["start"] * SECONDS_PER_DAY + sec
    cols = {
        "id": T.ids("pause_", npz, 18, 12),
        "subscription_id": sub_ids[ps["subscription"]],
        "paused_at": epoch(paused_at),
        "resumes_at": epoch(ps["end"] * SECONDS_PER_DAY + sec),
        "_loaded_at": ctx.loaded_at(rng, paused_at - rng.integers(86_400, 10 * 86_400, npz), npz),
    }
    return ctx.table("billing", "subscription_pauses", cols)


def _invoices(ctx: Export, rng: np.random.Generator, sub_ids: np.ndarray, inv_ids: np.ndarray) -> RawTable:
    """The simulated invoices; enterprise annual invoices are due in 30 days, the others at once."""
    w, e = ctx.w, ctx.entities
    iv = w.invoices
    nv = len(iv["customer"])
    sec = anchor_seconds(ctx)[iv["subscription"]]
    inv_created = np.minimum(iv["day"] * SECONDS_PER_DAY + sec + rng.integers(0, 3_600, nv), ctx.as_of_s - 60)
    net_terms = is_net_terms(w.segment[iv["customer"]], iv["annual"])
    paid = iv["status"] == "paid"
    cols = {
        "id": inv_ids,
        "customer_id": e.billing_id[iv["customer"]],
        "subscription_id": sub_ids[iv["subscription"]],
        "status": iv["status"],
        "created": epoch(inv_created),
        "due_date": epoch(inv_created + np.where(net_terms, C.NET_TERMS_DAYS, 0) * 86_400),
        "period_start": epoch(iv["period_start"] * SECONDS_PER_DAY + sec),
        "period_end": epoch(iv["period_end"] * SECONDS_PER_DAY + sec),
        "amount_due": iv["amount"],
        "amount_paid": np.where(paid, iv["amount"], 0),
        "currency": np.char.lower(np.array(C.CURRENCIES)[iv["currency"]]),
        "_loaded_at": ctx.loaded_at(rng, inv_created + np.where(paid, 86_400 * 3, 0), nv),
    }
    return ctx.table("billing", "invoices", cols)


def _payments(ctx: Export, rng: np.random.Generator, inv_ids: np.ndarray) -> RawTable:
    """Every payment attempt (charge), failed ones with a failure code."""
    e = ctx.entities
    p = ctx.w.payments
    npay = len(p["invoice"])
    sec = anchor_seconds(ctx)[ctx.w.invoices["subscription"][p["invoice"]]]
    pay_at = np.minimum(p["day"] * SECONDS_PER_DAY + sec + rng.integers(3_600, 20_000, npay), ctx.as_of_s - 30)
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
        "_loaded_at": ctx.loaded_at(rng, pay_at, npay),
    }
    return ctx.table("billing", "payments", cols)


def _fx_rates(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Daily USD rates from a month before the window: a gentle random walk around the start rates."""
    w = ctx.w
    days = np.arange(w.month_start[0] - 31, w.as_of)
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
        "_loaded_at": ctx.loaded_at(rng, (fx_day + 1) * SECONDS_PER_DAY, len(fx_day)),
    }
    return ctx.table("billing", "fx_rates", cols, dup_rate=0)
