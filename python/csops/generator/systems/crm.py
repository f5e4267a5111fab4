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
from ..export import Export, RawTable, versions
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
    prospect_created: np.ndarray  # day number each prospect's account was created
    test_ids: np.ndarray  # internal test accounts


def emit(ctx: Export) -> Iterator[RawTable]:
    """accounts (publishing ctx.crm), users, contacts and opportunities, from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    users = _users(ctx, rng)  # first: the accounts' owners are loaded before them
    yield _accounts(ctx, rng)
    yield users
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
    n_test = max(2, int(round(C.FLAW_RATES["test_account"] * w.scale.customers)))
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
    known = who >= 0
    w_idx = np.maximum(who, 0)
    created_day = np.where(known, w.signup_day[w_idx] - rng.integers(10, 120, total),
                           w.month_start[0] + rng.integers(0, w.horizon - w.month_start[0], total))
    created_day = np.where(kinds == "duplicate_account",
                           np.minimum(w.signup_day[w_idx] + rng.integers(30, 400, total), w.horizon - 1),
                           created_day)
    ctx.crm = CrmAccounts(
        child_ids=acct_id[n:n + len(child_parent)], child_parent=child_parent,
        child_domain=domains[n:n + len(child_parent)], duplicate_ids=acct_id[kinds == "duplicate_account"],
        duplicate_of=dups, prospect_ids=acct_id[kinds == "prospect"], prospect_domain=domains[kinds == "prospect"],
        prospect_created=created_day[kinds == "prospect"], test_ids=acct_id[kinds == "internal"])
    # internal test accounts are set up in the first months of the window
    created_day = np.where(kinds == "internal", w.month_start[0] + np.arange(total) % 300, created_day)
    created_day = np.where(kinds == "child_account", np.maximum(created_day, created_day[np.maximum(who, 0)] + 1),
                           created_day)
    created_s = created_day * SECONDS_PER_DAY + rng.integers(8 * 3600, 20 * 3600, total)
    offsets = np.where(known, e.offset[w_idx], -300)
    parent = np.full(total, None, dtype=object)
    is_child = kinds == "child_account"
    parent[is_child] = e.crm_id[child_parent]
    seg_label = np.asarray([SEGMENT_LABEL[s] for s in seg], dtype=object)[w_idx]
    seg_label = np.where(kinds == "prospect", T.pick(rng, list(SEGMENT_LABEL.values()), total), seg_label)
    seg_label = np.where(kinds == "internal", None, seg_label)
    industry = np.where(known, e.industry[w_idx], T.pick(rng, T.INDUSTRIES, total))
    employees = np.where(known, e.employees[w_idx], rng.integers(5, 3000, total)).astype(object)
    website = T.messy_domain(rng, domains, C.FLAW_RATES["messy_domain"])
    industry = T.with_nulls(rng, industry, C.FLAW_RATES["null_industry"])
    employees = pa.array(T.with_nulls(rng, employees, C.FLAW_RATES["null_employee_count"]), type=pa.int64())
    deleted = rng.random(total) < C.FLAW_RATES["crm_account_soft_deleted"]
    # The account's history: a customer's (and its subsidiaries') account is a prospect owned by an
    # account executive until the customer signs up, then a customer owned by its CSM; a soft
    # deletion comes a while after creation.
    handed_over = known & (kinds != "duplicate_account")
    signup = np.where(handed_over, w.signup_day[w_idx], -1)
    deleted_day = np.where(deleted, created_day + rng.integers(1, 90, total), -1)
    ae = e.user_ids[len(e.csm_segments) + 3 + np.arange(total) % 5]
    change_sec = rng.integers(8 * 3600, 20 * 3600, total)
    rec, day = versions([(np.arange(total), created_day), (np.arange(total), signup),
                         (np.arange(total), deleted_day)])
    customer_now = ~handed_over[rec] | (day >= signup[rec])
    acct_type = np.select([kinds[rec] == "prospect", kinds[rec] == "internal", ~customer_now],
                          ["Prospect", "Other", "Prospect"], "Customer")
    owner = np.where(handed_over[rec], np.where(customer_now, e.owner[w_idx[rec]], ae[rec]), None)
    changed = np.where(day == created_day[rec], created_s[rec], day * SECONDS_PER_DAY + change_sec[rec])
    cols = {
        "id": acct_id[rec],
        "name": names[rec],
        "website": website[rec],
        "type": acct_type,
        "industry": industry[rec],
        "segment__c": seg_label[rec],
        "number_of_employees": employees.take(pa.array(rec)),
        "billing_country": np.where(known, e.country[w_idx], "US")[rec],
        "currency_iso_code": np.where(known, e.currency_code[w_idx], "USD")[rec],
        "owner_id": owner,
        "parent_id": parent[rec],
        "created_date": nullable_iso(created_s[rec], offsets[rec]),
        "last_modified_date": nullable_iso(changed.astype(np.int64), offsets[rec]),
        "is_deleted": deleted[rec] & (day >= deleted_day[rec]),
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    truth_customer = np.where(kinds == "prospect", -1, who)
    ctx.identity("crm", "accounts", acct_id, np.where(kinds == "internal", -1, truth_customer), kinds)
    # a subsidiary's account is never loaded before its parent's
    first = np.full(total, np.inf)
    np.minimum.at(first, rec, cols["_loaded_at"])
    parent_row = np.full(total, -1)
    parent_row[is_child] = child_parent
    cols["_loaded_at"] = np.where(parent_row[rec] >= 0, np.maximum(cols["_loaded_at"],
                                                                  first[np.maximum(parent_row[rec], 0)] + 1),
                                  cols["_loaded_at"])
    return ctx.table("crm", "accounts", cols, record=rec, changed=changed, refs=[("crm", "users", owner)])


def _users(ctx: Export, rng: np.random.Generator) -> RawTable:
    """CRM users: the CSMs (digital CS for smb), 3 CS managers and 5 account executives."""
    w, e = ctx.w, ctx.entities
    n_csm = len(e.csm_segments)
    u_seg = np.asarray(e.csm_segments + ["all"] * 8, dtype=object)
    role = np.asarray(["Digital CS" if s == "smb" else "CSM" for s in e.csm_segments]
                      + ["CS Manager"] * 3 + ["Account Executive"] * 5, dtype=object)
    nu = n_csm + 8
    first, last = T.person_names(rng.integers(0, 5000, nu), np.arange(nu))
    created = w.month_start[0] * SECONDS_PER_DAY - rng.integers(0, 4e7, nu)
    cols = {
        "id": e.user_ids,
        "name": T.join(np.char.capitalize(first.astype(str)), " ", np.char.capitalize(last.astype(str))),
        "email": T.messy_email(rng, T.join(first, ".", last, "@", C.INTERNAL_DOMAIN),
                               C.FLAW_RATES["messy_email"]),
        "user_role": role,
        "segment_coverage": u_seg,
        "manager_id": np.where(role == "CS Manager", None, e.user_ids[n_csm]),
        "is_active": rng.random(nu) > 0.05,
        "created_date": nullable_iso(created, np.full(nu, -300)),
        # the CRM connector's first sync, before the first account was created
        "_loaded_at": ctx.loaded_at(rng, np.maximum(created, (w.month_start[0] - 150) * SECONDS_PER_DAY)),
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
    prospect_day = np.concatenate([np.zeros(nc - n_prospects, np.int64), accounts.prospect_created])
    created = np.where(c_who_all >= 0, w.signup_day[np.maximum(c_who_all, 0)] * SECONDS_PER_DAY
                       + c_j * 86_400 * 7, (prospect_day + rng.integers(0, 30, nc)) * SECONDS_PER_DAY)
    created = created + rng.integers(0, 86_400, nc)
    email = T.messy_email(rng, email, C.FLAW_RATES["messy_email"])
    title = T.with_nulls(rng, T.pick(rng, TITLES, nc), 0.15)
    deleted = rng.random(nc) < C.FLAW_RATES["contact_soft_deleted"]
    # a contact is soft-deleted a while after it was created: a second version
    deleted_at = np.where(deleted, created + rng.integers(86_400, 90 * 86_400, nc), -1)
    rec = np.repeat(np.arange(nc), 1 + deleted)
    second = np.append(False, rec[1:] == rec[:-1])
    changed = np.where(second, deleted_at[rec], created[rec])
    cols = {
        "id": contact_id[rec],
        "account_id": c_acct[rec],
        "first_name": np.char.capitalize(first.astype(str))[rec],
        "last_name": np.char.capitalize(last.astype(str))[rec],
        "email": email[rec],
        "title": title[rec],
        "is_primary_contact": (c_j == 0)[rec],
        "created_date": nullable_iso(created.astype(np.int64)[rec], np.full(len(rec), 0)),
        "is_deleted": second,
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    ctx.identity("crm", "contacts", contact_id, c_who_all, np.where(c_who_all >= 0, "customer", "prospect"))
    return ctx.table("crm", "contacts", cols, record=rec, changed=changed, refs=[("crm", "accounts", c_acct[rec])])


def _opportunities(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The simulated opportunities (new business, expansions, renewals), then the prospects' pipeline,
    as a version log: each is created open, moves on halfway to its close date, and is won or lost on
    its close date (the ones the simulation leaves open never close)."""
    w, e, accounts = ctx.w, ctx.entities, ctx.crm
    assert accounts is not None
    o = w.opportunities
    no = len(o["customer"])
    kind_label = {"new_business": "New Business", "renewal": "Renewal", "expansion": "Expansion"}
    stage_label = {"closed_won": "Closed Won", "closed_lost": "Closed Lost", "open": None}
    opp_kind = np.asarray([kind_label[k] for k in o["kind"]], dtype=object)
    final = np.asarray([stage_label[s] for s in o["stage"]], dtype=object)
    created = o["created"] * SECONDS_PER_DAY + rng.integers(0, 86_400, no)
    cur = np.array(C.CURRENCIES)[o["currency"]]
    minor = np.array([C.MINOR_UNITS[c] for c in C.CURRENCIES])[o["currency"]]
    pn = len(accounts.prospect_ids)
    p_close = w.month_start[0] + rng.integers(0, w.horizon - w.month_start[0] + 120, pn)
    p_close = np.maximum(p_close, accounts.prospect_created + 30)
    opp_id = T.ids("0065e0000", no + pn, 7, 9, upper=True)
    close = np.concatenate([o["close"], p_close])
    created_s = np.concatenate([created, (p_close - 60) * SECONDS_PER_DAY + rng.integers(0, 86_400, pn)])
    created_day = created_s // SECONDS_PER_DAY
    final = np.concatenate([final, np.full(pn, "Closed Lost", dtype=object)])
    renewal = np.concatenate([o["kind"] == "renewal", np.zeros(pn, bool)])
    mid = created_day + (close - created_day) // 2
    rec, day = versions([(np.arange(no + pn), created_day),
                         (np.arange(no + pn), np.where(mid > created_day, mid, -1)),
                         (np.arange(no + pn), np.where(final != None, close, -1))])  # noqa: E711
    first_stage = np.where(renewal, "Qualification", "Discovery")[rec]
    mid_stage = np.where(renewal, "Negotiation", "Proposal")[rec]
    stage = np.where((final[rec] != None) & (day >= close[rec]), final[rec],  # noqa: E711
                     np.where(day >= mid[rec], mid_stage, first_stage))
    changed = np.where(day == created_day[rec], created_s[rec], day * SECONDS_PER_DAY + 12 * 3600)
    amount = np.concatenate([np.round(o["amount"] / minor, 2), np.round(rng.uniform(2e3, 8e4, pn), 2)])
    deleted = rng.random(no + pn) < 0.005
    cols = {
        "id": opp_id[rec],
        "account_id": np.concatenate([e.crm_id[o["customer"]], accounts.prospect_ids])[rec],
        "type": np.concatenate([opp_kind, np.full(pn, "New Business", dtype=object)])[rec],
        "stage_name": stage,
        "amount": amount[rec],
        "currency_iso_code": np.concatenate([cur, np.full(pn, "USD", dtype=object)])[rec],
        "close_date": dates(close[rec]),
        "created_date": nullable_iso(created_s[rec], np.concatenate([e.offset[o["customer"]], np.full(pn, -300)])[rec]),
        "is_deleted": deleted[rec],
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    return ctx.table("crm", "opportunities", cols, record=rec, changed=changed,
                     refs=[("crm", "accounts", cols["account_id"])])
