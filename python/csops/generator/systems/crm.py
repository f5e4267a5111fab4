"""The CRM (Salesforce-like): accounts, users, contacts and opportunities.

Accounts are the customers plus regional subsidiaries of some enterprise customers, duplicates sales
created by mistake, prospects that never signed up and internal test accounts. Opportunities are the
simulated new business, expansions and renewals (won, lost or open), plus the prospects' pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, dates, nullable_iso

SYSTEM = "crm"
TABLES = ("accounts", "users", "contacts", "opportunities")

TITLES = ("Head of Operations", "VP Customer Success", "Data Analyst", "CFO", "Director of Analytics",
          "Operations Manager", "IT Administrator", "Marketing Lead", "Engineer", "CEO")
SEGMENT_LABEL = {"smb": "SMB", "mid_market": "Mid-Market", "enterprise": "Enterprise"}


@dataclass(frozen=True)
class CrmAccounts:
    """The CRM accounts besides the customers' own (Entities.crm_id), for the contacts and other systems."""

    child_ids: np.ndarray  # subsidiaries' accounts
    child_parent: np.ndarray  # the customer each subsidiary belongs to
    child_domain: np.ndarray
    duplicate_ids: np.ndarray  # accounts sales created twice
    duplicate_of: np.ndarray  # the customer each duplicate belongs to
    prospect_ids: np.ndarray
    prospect_domain: np.ndarray
    test_ids: np.ndarray  # internal test accounts


def emit(ctx: Export) -> Iterator[RawTable]:
    """accounts (publishing ctx.crm), users, contacts and opportunities, from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    yield _accounts(ctx, rng)
    yield _users(ctx, rng)
    yield _contacts(ctx, rng)
    yield _opportunities(ctx, rng)


def _accounts(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Customers, their subsidiaries, duplicates, prospects and internal test accounts."""
    w, e = ctx.w, ctx.entities
    n = w.n
    seg = np.array(C.SEGMENTS)[w.segment]
    cust = np.arange(n)
    # children of enterprise customers (regional subsidiaries)
    ent = np.flatnonzero((w.segment == 2) & (rng.random(n) < 0.3))
    n_child = rng.integers(1, 4, len(ent))
    child_parent = np.repeat(ent, n_child)
    child_j = np.arange(len(child_parent)) - np.repeat(np.cumsum(n_child) - n_child, n_child)
    region = np.asarray(("EMEA", "APAC", "Americas"), dtype=object)[child_j % 3]
    # duplicate accounts created by sales for an existing customer
    dups = np.flatnonzero(rng.random(n) < C.FLAW_RATES["crm_duplicate_account"])
    n_prospects = e.n_prospects
    n_test = max(2, int(round(C.FLAW_RATES["test_account"] * n)))
    p_name, p_slug = e.prospect_name, e.prospect_slug

    groups = {
        "customer": (cust, e.name, e.domain),
        "child_account": (child_parent, T.join(e.name[child_parent], " ", region),
                          np.where(rng.random(len(child_parent)) < 0.5, e.domain[child_parent],
                                   T.join(e.slug[child_parent], "-", np.char.lower(region.astype(str)),
                                          ".com"))),
        "duplicate_account": (dups, T.join(e.name[dups], " ", e.legal[dups]), e.domain[dups]),
        "prospect": (np.full(n_prospects, -1), p_name, T.join(p_slug, ".com")),
        "internal": (np.full(n_test, -1), T.join("[TEST] Lumen Sandbox ", np.arange(n_test).astype(str)),
                     np.full(n_test, C.INTERNAL_DOMAIN, dtype=object)),
    }
    kinds = np.concatenate([np.full(len(v[0]), k, dtype=object) for k, v in groups.items()])
    who = np.concatenate([v[0] for v in groups.values()])
    names = np.concatenate([v[1] for v in groups.values()])
    domains = np.concatenate([v[2] for v in groups.values()])
    total = len(who)
    acct_id = np.concatenate([e.crm_id, T.ids("0015e0001", total - n, 5, 9, upper=True)])
    ctx.crm = CrmAccounts(
        child_ids=acct_id[n:n + len(child_parent)], child_parent=child_parent,
        child_domain=domains[n:n + len(child_parent)], duplicate_ids=acct_id[kinds == "duplicate_account"],
        duplicate_of=dups, prospect_ids=acct_id[kinds == "prospect"], prospect_domain=domains[kinds == "prospect"],
        test_ids=acct_id[kinds == "internal"])
    known = who >= 0
    w_idx = np.maximum(who, 0)
    created_day = np.where(known, w.signup_day[w_idx] - rng.integers(10, 120, total),
                           w.month_start[0] + rng.integers(0, w.as_of - w.month_start[0], total))
    created_day = np.where(kinds == "duplicate_account",
                           np.minimum(w.signup_day[w_idx] + rng.integers(30, 400, total), w.as_of - 1),
                           created_day)
    created_s = created_day * SECONDS_PER_DAY + rng.integers(8 * 3600, 20 * 3600, total)
    offsets = np.where(known, e.offset[w_idx], -300)
    modified_s = created_s + (ctx.as_of_s - created_s) * rng.uniform(0, 1, total)
    parent = np.full(total, None, dtype=object)
    is_child = kinds == "child_account"
    parent[is_child] = e.crm_id[child_parent]
    seg_label = np.asarray([SEGMENT_LABEL[s] for s in seg], dtype=object)[w_idx]
    seg_label = np.where(kinds == "prospect", T.pick(rng, list(SEGMENT_LABEL.values()), total), seg_label)
    seg_label = np.where(kinds == "internal", None, seg_label)
    owner = np.where(known & (kinds != "duplicate_account"), e.owner[w_idx], None)
    acct_type = np.select([kinds == "prospect", kinds == "internal"], ["Prospect", "Other"], "Customer")
    industry = np.where(known, e.industry[w_idx], T.pick(rng, T.INDUSTRIES, total))
    employees = np.where(known, e.employees[w_idx], rng.integers(5, 3000, total)).astype(object)
    cols = {
        "id": acct_id,
        "name": names,
        "website": T.messy_domain(rng, domains, C.FLAW_RATES["messy_domain"]),
        "type": acct_type,
        "industry": T.with_nulls(rng, industry, C.FLAW_RATES["null_industry"]),
        "segment__c": seg_label,
        "number_of_employees": pa.array(T.with_nulls(rng, employees, C.FLAW_RATES["null_employee_count"]),
                                        type=pa.int64()),
        "billing_country": np.where(known, e.country[w_idx], "US"),
        "currency_iso_code": np.where(known, e.currency_code[w_idx], "USD"),
        "owner_id": owner,
        "parent_id": parent,
        "created_date": nullable_iso(created_s, offsets),
        "last_modified_date": nullable_iso(modified_s.astype(np.int64), offsets),
        "is_deleted": rng.random(total) < C.FLAW_RATES["crm_account_soft_deleted"],
        "_loaded_at": ctx.loaded_at(rng, None, total),
    }
    truth_customer = np.where(kinds == "prospect", -1, who)
    ctx.identity("crm", "accounts", acct_id, np.where(kinds == "internal", -1, truth_customer), kinds)
    return ctx.table("crm", "accounts", cols)


def _users(ctx: Export, rng: np.random.Generator) -> RawTable:
    """CRM users: the CSMs (digital CS for smb), 3 CS managers and 5 account executives."""
    w, e = ctx.w, ctx.entities
    n_csm = len(e.csm_segments)
    u_seg = np.asarray(e.csm_segments + ["all"] * 8, dtype=object)
    role = np.asarray(["Digital CS" if s == "smb" else "CSM" for s in e.csm_segments]
                      + ["CS Manager"] * 3 + ["Account Executive"] * 5, dtype=object)
    nu = n_csm + 8
    first, last = T.person_names(rng.integers(0, 5000, nu), np.arange(nu))
    cols = {
        "id": e.user_ids,
        "name": T.join(np.char.capitalize(first.astype(str)), " ", np.char.capitalize(last.astype(str))),
        "email": T.messy_email(rng, T.join(first, ".", last, "@", C.INTERNAL_DOMAIN),
                               C.FLAW_RATES["messy_email"]),
        "user_role": role,
        "segment_coverage": u_seg,
        "manager_id": np.where(role == "CS Manager", None, e.user_ids[n_csm]),
        "is_active": rng.random(nu) > 0.05,
        "created_date": nullable_iso(w.month_start[0] * SECONDS_PER_DAY - rng.integers(0, 4e7, nu),
                                     np.full(nu, -300)),
        "_loaded_at": ctx.loaded_at(rng, None, nu),
    }
    return ctx.table("crm", "users", cols)


def _contacts(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The first people of each customer (the same people use the product), one at each subsidiary and
    duplicate account, and one per prospect."""
    w, e, accounts = ctx.w, ctx.entities, ctx.crm
    assert accounts is not None
    cust = np.arange(w.n)
    child_parent, dups, n_prospects = accounts.child_parent, accounts.duplicate_of, e.n_prospects
    c_who = np.concatenate([np.repeat(cust, e.n_contacts), child_parent, dups])
    c_acct = np.concatenate([np.repeat(e.crm_id, e.n_contacts), accounts.child_ids,
                             accounts.duplicate_ids])
    c_j = np.concatenate([np.arange(e.n_contacts.sum()) - np.repeat(np.cumsum(e.n_contacts)
                                                                        - e.n_contacts, e.n_contacts),
                          50 + np.arange(len(child_parent)), np.zeros(len(dups), np.int64)])
    c_dom = np.concatenate([e.domain[np.repeat(cust, e.n_contacts)], accounts.child_domain,
                            e.domain[dups]])
    first, last, email = ctx.person(c_who, c_j, rng, c_dom)
    # prospects get one contact each
    pf, pl = T.person_names(rng.integers(0, 5000, n_prospects), np.zeros(n_prospects, np.int64))
    first = np.concatenate([first, pf])
    last = np.concatenate([last, pl])
    email = np.concatenate([email, T.join(pf, ".", pl, "@", accounts.prospect_domain)])
    c_acct = np.concatenate([c_acct, accounts.prospect_ids])
    c_j = np.concatenate([c_j, np.zeros(n_prospects, np.int64)])
    c_who_all = np.concatenate([c_who, np.full(n_prospects, -1)])
    nc = len(email)
    contact_id = T.ids("0035e0000", nc, 6, 9, upper=True)
    created = np.where(c_who_all >= 0, w.signup_day[np.maximum(c_who_all, 0)] * SECONDS_PER_DAY
                       + c_j * 86_400 * 7, ctx.as_of_s - rng.integers(86_400, 86_400 * 300, nc))
    created = np.minimum(created + rng.integers(0, 86_400, nc), ctx.as_of_s - 3600)
    cols = {
        "id": contact_id,
        "account_id": c_acct,
        "first_name": np.char.capitalize(first.astype(str)),
        "last_name": np.char.capitalize(last.astype(str)),
        "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "title": T.with_nulls(rng, T.pick(rng, TITLES, nc), 0.15),
        "is_primary_contact": c_j == 0,
        "created_date": nullable_iso(created.astype(np.int64), np.full(nc, 0)),
        "is_deleted": rng.random(nc) < C.FLAW_RATES["contact_soft_deleted"],
        "_loaded_at": ctx.loaded_at(rng, None, nc),
    }
    ctx.identity("crm", "contacts", contact_id, c_who_all, np.where(c_who_all >= 0, "customer", "prospect"))
    return ctx.table("crm", "contacts", cols)


def _opportunities(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The simulated opportunities (new business, expansions, renewals), then the prospects' pipeline
    (open or lost new business)."""
    w, e, accounts = ctx.w, ctx.entities, ctx.crm
    assert accounts is not None
    o = w.opportunities
    no = len(o["customer"])
    kind_label = {"new_business": "New Business", "renewal": "Renewal", "expansion": "Expansion"}
    stage_label = {"closed_won": "Closed Won", "closed_lost": "Closed Lost", "open": "Negotiation"}
    opp_kind = np.asarray([kind_label[k] for k in o["kind"]], dtype=object)
    opp_stage = np.asarray([stage_label[s] for s in o["stage"]], dtype=object)
    close_day = o["close"]
    opp_stage = np.where((opp_stage != "Negotiation") & (close_day >= w.as_of), "Negotiation", opp_stage)
    created = np.minimum(o["created"], w.as_of - 1) * SECONDS_PER_DAY + rng.integers(0, 86_400, no)
    cur = np.array(C.CURRENCIES)[o["currency"]]
    minor = np.array([C.MINOR_UNITS[c] for c in C.CURRENCIES])[o["currency"]]
    pn = len(accounts.prospect_ids)
    p_close = w.month_start[0] + rng.integers(0, w.as_of - w.month_start[0] + 120, pn)
    opp_id = T.ids("0065e0000", no + pn, 7, 9, upper=True)
    cols = {
        "id": opp_id,
        "account_id": np.concatenate([e.crm_id[o["customer"]], accounts.prospect_ids]),
        "type": np.concatenate([opp_kind, np.full(pn, "New Business", dtype=object)]),
        "stage_name": np.concatenate([opp_stage, np.where(p_close < w.as_of, "Closed Lost", "Proposal")]),
        "amount": np.concatenate([np.round(o["amount"] / minor, 2), np.round(rng.uniform(2e3, 8e4, pn), 2)]),
        "currency_iso_code": np.concatenate([cur, np.full(pn, "USD", dtype=object)]),
        "close_date": dates(np.concatenate([close_day, p_close])),
        "created_date": nullable_iso(np.concatenate([created, (p_close - 60) * SECONDS_PER_DAY]),
                                     np.concatenate([e.offset[o["customer"]], np.full(pn, -300)])),
        "is_deleted": rng.random(no + pn) < 0.005,
        "_loaded_at": ctx.loaded_at(rng, None, no + pn),
    }
    return ctx.table("crm", "opportunities", cols)
