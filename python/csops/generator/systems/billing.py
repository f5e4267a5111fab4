"""Billing (Stripe-like): customers, plans, subscriptions, subscription items, subscription pauses,
invoices, payments and daily fx rates.

Everything but the catalogue (plans) and the fx rates is the simulated subscription ledger as Stripe
exports it: epoch seconds, amounts in minor units, lower-case currencies, one free internal
subscription per test customer, and a third of the customers without their CRM account id.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, add_months, dates, epoch
from ..world import unit_amount_minor

SYSTEM = "billing"
TABLES = ("customers", "plans", "subscriptions", "subscription_items", "subscription_pauses", "invoices",
          "payments", "fx_rates")


def emit(ctx: Export) -> Iterator[RawTable]:
    """customers, plans, subscriptions and their items and pauses, invoices, payments and fx rates."""
    w, e, rng = ctx.w, ctx.entities, ctx.rng(SYSTEM)
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
    yield ctx.table("billing", "customers", cols)

    # plans
    plan_rows = [(t, iv, c) for t in C.PLAN_TIERS for iv in ("month", "year") for c in C.CURRENCIES]
    tier_i = np.array([C.PLAN_TIERS.index(p[0]) for p in plan_rows])
    cur_i = np.array([C.CURRENCIES.index(p[2]) for p in plan_rows])
    ann = np.array([p[1] == "year" for p in plan_rows])
    plan_ids = np.asarray([f"plan_{t}_{iv}ly_{c.lower()}" for t, iv, c in plan_rows], dtype=object)
    cols = {
        "id": plan_ids,
        "product_name": np.asarray([f"{C.COMPANY_NAME} {t.capitalize()}" for t, _, _ in plan_rows], dtype=object),
        "tier": np.asarray([p[0] for p in plan_rows], dtype=object),
        "interval": np.asarray([p[1] for p in plan_rows], dtype=object),
        "currency": np.asarray([p[2].lower() for p in plan_rows], dtype=object),
        "unit_amount": unit_amount_minor(tier_i, cur_i, ann),
        "active": np.ones(len(plan_rows), bool),
        "created": epoch(np.full(len(plan_rows), (w.month_start[0] - 30) * SECONDS_PER_DAY)),
        "_loaded_at": ctx.loaded_at(rng, None, len(plan_rows)),
    }
    yield ctx.table("billing", "plans", cols, dup_rate=0)

    def plan_id(tier, annual, currency):
        return plan_ids[(np.asarray(tier) * 2 + np.asarray(annual).astype(int)) * 3 + np.asarray(currency)]

    # subscriptions (+ one free internal subscription per test customer)
    s = w.subs
    ns = len(s["customer"])
    sub_ids = T.ids("sub_", ns + n_test, 9, 12)
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
    sec = rng.integers(0, 86_400, ns)
    cols = {
        "id": sub_ids,
        "customer_id": np.concatenate([e.billing_id[s["customer"]], test_ids]),
        "status": np.concatenate([status, np.full(n_test, "active", dtype=object)]),
        "currency": np.char.lower(np.concatenate([np.array(C.CURRENCIES)[s["currency"]],
                                                  np.full(n_test, "USD")]).astype(str)),
        "created": epoch(np.concatenate([s["created"] * SECONDS_PER_DAY + sec, created[n:]])),
        "start_date": epoch(np.concatenate([np.where(s["start"] >= 0, s["start"] * SECONDS_PER_DAY, -1),
                                            created[n:]])),
        "trial_start": epoch(np.concatenate([np.where(trial_start >= 0, trial_start * SECONDS_PER_DAY + sec,
                                                      -1), np.full(n_test, -1)])),
        "trial_end": epoch(np.concatenate([np.where(s["trial_end"] >= 0, s["trial_end"] * SECONDS_PER_DAY,
                                                    -1), np.full(n_test, -1)])),
        "current_period_start": epoch(np.concatenate([per_start * SECONDS_PER_DAY, created[n:]])),
        "current_period_end": epoch(np.concatenate([per_end * SECONDS_PER_DAY, created[n:] + 30 * 86_400])),
        "cancel_at_period_end": np.concatenate([(s["canceled"] >= 0) & (s["ended"] < 0), np.zeros(n_test, bool)]),
        "canceled_at": epoch(np.concatenate([np.where(s["canceled"] >= 0, s["canceled"] * SECONDS_PER_DAY
                                                      + sec, -1), np.full(n_test, -1)])),
        "ended_at": epoch(np.concatenate([np.where(s["ended"] >= 0, s["ended"] * SECONDS_PER_DAY, -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": np.concatenate([ctx.loaded_at(rng, None, ns + n_test)]),
    }
    yield ctx.table("billing", "subscriptions", cols)

    # subscription items: one row per period of constant plan, seats and discount
    it = w.items
    ni = len(it["customer"])
    item_ids = T.ids("si_", ni + n_test, 10, 12)
    disc_end = np.where(it["discount_pct"] > 0, it["discount_end"] * SECONDS_PER_DAY, -1)
    cols = {
        "id": item_ids,
        "subscription_id": np.concatenate([sub_ids[it["subscription"]], sub_ids[ns:]]),
        "plan_id": np.concatenate([plan_id(it["tier"], it["annual"], it["currency"]),
                                   np.full(n_test, plan_ids[6], dtype=object)]),
        "quantity": np.concatenate([it["quantity"], np.ones(n_test, np.int64)]),
        "unit_amount": np.concatenate([it["unit_amount"], np.full(n_test, 3500)]),
        "discount_percent": pa.array(np.concatenate([it["discount_pct"], np.full(n_test, 100)]).astype(float),
                                     mask=np.concatenate([it["discount_pct"] <= 0, np.zeros(n_test, bool)])),
        "discount_end": epoch(np.concatenate([disc_end, np.full(n_test, -1)])),
        "started_at": epoch(np.concatenate([it["start"] * SECONDS_PER_DAY, created[n:]])),
        "ended_at": epoch(np.concatenate([np.where(it["end"] >= 0, it["end"] * SECONDS_PER_DAY, -1),
                                          np.full(n_test, -1)])),
        "_loaded_at": ctx.loaded_at(rng, None, ni + n_test),
    }
    yield ctx.table("billing", "subscription_items", cols)

    # pauses: billing stops between paused_at and resumes_at (a scheduled date, possibly ahead)
    ps = w.pauses
    npz = len(ps["subscription"])
    paused_at = ps["start"] * SECONDS_PER_DAY
    cols = {
        "id": T.ids("pause_", npz, 18, 12),
        "subscription_id": sub_ids[ps["subscription"]],
        "paused_at": epoch(paused_at),
        "resumes_at": epoch(ps["end"] * SECONDS_PER_DAY),
        "_loaded_at": ctx.loaded_at(rng, paused_at - rng.integers(86_400, 10 * 86_400, npz), npz),
    }
    yield ctx.table("billing", "subscription_pauses", cols)

    # invoices
    iv = w.invoices
    nv = len(iv["customer"])
    inv_ids = T.ids("in_", nv, 11, 12)
    inv_created = iv["day"] * SECONDS_PER_DAY + rng.integers(0, 3_600, nv)
    net_terms = (w.segment[iv["customer"]] == 2) & iv["annual"]
    paid = iv["status"] == "paid"
    cols = {
        "id": inv_ids,
        "customer_id": e.billing_id[iv["customer"]],
        "subscription_id": sub_ids[iv["subscription"]],
        "status": iv["status"],
        "created": epoch(inv_created),
        "due_date": epoch(inv_created + np.where(net_terms, 30, 0) * 86_400),
        "period_start": epoch(iv["period_start"] * SECONDS_PER_DAY),
        "period_end": epoch(iv["period_end"] * SECONDS_PER_DAY),
        "amount_due": iv["amount"],
        "amount_paid": np.where(paid, iv["amount"], 0),
        "currency": np.char.lower(np.array(C.CURRENCIES)[iv["currency"]]),
        "_loaded_at": ctx.loaded_at(rng, inv_created + np.where(paid, 86_400 * 3, 0), nv),
    }
    yield ctx.table("billing", "invoices", cols)

    p = w.payments
    npay = len(p["invoice"])
    pay_at = p["day"] * SECONDS_PER_DAY + rng.integers(3_600, 20_000, npay)
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
    yield ctx.table("billing", "payments", cols)

    # fx rates: daily, a gentle random walk around the start rates
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
    yield ctx.table("billing", "fx_rates", cols, dup_rate=0)
