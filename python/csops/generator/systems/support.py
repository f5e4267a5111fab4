"""Support (Zendesk-like): organizations and tickets.

One organisation per customer, some re-created a second time, and many for subsidiaries; names and
domains drift from the CRM's. Ticket volume, priority and response times follow the customer's
latent health: struggling customers open more and more urgent tickets, and wait longer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, nullable_iso
from .product import FEATURES

SYSTEM = "support"
TABLES = ("organizations", "tickets")
TICKET_CATEGORIES = ("how_to", "bug", "billing", "feature_request", "outage", "account")
TICKET_SUBJECTS = {
    "how_to": ("How do I share a dashboard?", "Question about report filters", "Setting up alerts"),
    "bug": ("Dashboard not loading", "Export fails with an error", "Numbers look wrong in report"),
    "billing": ("Invoice question", "Card was declined", "Change billing contact"),
    "feature_request": ("Feature request", "Would love to see this", "Request: more export options"),
    "outage": ("Service down?", "Cannot log in", "Very slow since this morning"),
    "account": ("Add more seats", "Remove a user", "SSO configuration help"),
}
PRIORITIES = ("low", "normal", "high", "urgent")
FIRST_RESPONSE_MEDIAN_MIN = np.array([24 * 60, 8 * 60, 120, 30])
RESOLUTION_MEDIAN_MIN = np.array([4 * 1440, 2 * 1440, 1440, 360])


@dataclass(frozen=True)
class Tickets:
    """The tickets, for the CSAT survey sent when one is solved."""

    ids: np.ndarray
    customer: np.ndarray
    solved: np.ndarray  # epoch seconds (in the future when not solved yet)
    is_solved: np.ndarray
    health: np.ndarray  # the customer's latent health in the month the ticket was opened


def emit(ctx: Export) -> Iterator[RawTable]:
    """organizations and tickets (publishing ctx.tickets for the CSAT survey), from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    yield _organizations(ctx, rng)
    yield _tickets(ctx, rng)


def _organizations(ctx: Export, rng: np.random.Generator) -> RawTable:
    """One organisation per customer; some have a second (re-created) one; subsidiaries often have one."""
    w, e = ctx.w, ctx.entities
    n = w.n
    assert ctx.crm is not None, "the crm system runs first"
    second = np.flatnonzero(rng.random(n) < 0.05)
    kids = np.flatnonzero(rng.random(len(ctx.crm.child_parent)) < 0.5)
    org_cust = np.concatenate([np.arange(n), second, ctx.crm.child_parent[kids]])
    no = len(org_cust)
    org_ids = np.concatenate([e.org_id, 361_000_000_000 + np.arange(no - n, dtype=np.int64) * 11 + 3])
    base_name = np.concatenate([e.name, e.name[second], T.join(e.name[ctx.crm.child_parent[kids]], " ",
                                                                      "subsidiary")])
    variant = rng.random(no) < C.FLAW_RATES["support_org_name_variant"]
    vk = rng.integers(0, 3, no)
    legal = e.legal[org_cust]
    varied = np.select([vk == 0, vk == 1], [np.char.upper(base_name.astype(str)),
                                            T.join(base_name, ", ", legal)], T.join(base_name, " (old)"))
    name = np.where(variant, varied, base_name)
    dom = np.concatenate([e.domain, e.domain[second], ctx.crm.child_domain[kids]])
    domain = T.with_nulls(rng, T.messy_domain(rng, dom, C.FLAW_RATES["messy_domain"]),
                          C.FLAW_RATES["support_org_missing_domain"])
    # the customer's organisation is created at signup, the others (re-created, subsidiaries) later
    created = w.signup_day[org_cust] * SECONDS_PER_DAY + np.where(
        np.arange(no) < n, rng.integers(0, 3_600, no), rng.integers(86_400, 86_400 * 60, no))
    cols = {
        "id": org_ids,
        "name": name,
        "domain_names": domain,
        "created_at": nullable_iso(created, np.zeros(no, np.int64)),
        "_loaded_at": ctx.loaded_at(rng, created),
    }
    ctx.identity("support", "organizations", org_ids, org_cust, np.full(no, "customer", dtype=object))
    return ctx.table("support", "organizations", cols)


def _tickets(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Tickets from signup on while the customer is live; volume and severity follow (low) health."""
    w, e = ctx.w, ctx.entities
    seg_rate = w.by_segment(C.TICKETS_PER_MONTH)
    alive_m = w.active_by_month | (w.signup_day[:, None] <= w.month_start[None, 1:]) & (
        w.signup_day[:, None] >= w.month_start[None, :-1])
    lam = seg_rate[:, None] * (0.4 + 2.0 * (1 - w.health) ** 1.5) * alive_m
    counts = rng.poisson(lam)
    ci, mi = np.nonzero(counts)
    rep = counts[ci, mi]
    cust = np.repeat(ci, rep)
    mon = np.repeat(mi, rep)
    nt = len(cust)
    h = w.health[cust, mon]
    month_len = w.month_start[mon + 1] - w.month_start[mon]
    created = (w.month_start[mon] * SECONDS_PER_DAY + rng.random(nt) * month_len * SECONDS_PER_DAY)
    created = np.floor(created)
    p_urgent = 0.03 + 0.10 * (1 - h)
    p_high = 0.12 + 0.15 * (1 - h)
    u = rng.random(nt)
    prio = np.select([u < p_urgent, u < p_urgent + p_high, u < 0.75], [3, 2, 1], 0)
    cat = rng.choice(len(TICKET_CATEGORIES), nt, p=(0.35, 0.25, 0.1, 0.15, 0.05, 0.1))
    cat = np.where((prio == 3) & (rng.random(nt) < 0.5), 4, cat)
    cat_name = np.asarray(TICKET_CATEGORIES, dtype=object)[cat]
    subj = np.empty(nt, dtype=object)
    for c_i, c in enumerate(TICKET_CATEGORIES):
        hit = cat == c_i
        subj[hit] = T.pick(rng, TICKET_SUBJECTS[c], hit.sum())
    slow = 1 + 1.5 * (1 - h)
    first_resp = created + 60 * FIRST_RESPONSE_MEDIAN_MIN[prio] * slow * np.exp(rng.normal(0, 0.8, nt))
    solved = first_resp + 60 * RESOLUTION_MEDIAN_MIN[prio] * slow * np.exp(rng.normal(0, 0.9, nt))
    first_resp = np.floor(first_resp)
    solved = np.floor(solved)
    waiting = np.where(rng.random(nt) < 0.5, "open", "pending")
    # the requester is one of the customer's people; a few tickets come in with no organisation
    j = rng.integers(0, np.maximum(e.n_contacts[cust], 1))
    _, _, email = ctx.person(cust, j, rng)
    email = T.with_nulls(rng, T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
                         C.FLAW_RATES["ticket_missing_requester"])
    org = np.where(rng.random(nt) < 0.03, -1, e.org_id[cust])
    feature_keys = np.asarray([f[0] for f in FEATURES] + ["custom_roles", "mobile_app", "sla_reports"],
                              dtype=object)
    requested = np.where(cat_name == "feature_request", T.pick(rng, feature_keys, nt), None)
    ticket_ids = np.arange(nt, dtype=np.int64) + 10_001
    # The ticket's history, one version per change: new, then open or pending at the first response,
    # solved, and closed four days after it was solved.
    closed = solved + 4 * 86_400
    rec = np.repeat(np.arange(nt), 4)
    step = np.tile(np.arange(4), nt)
    updated = np.column_stack([created, first_resp, solved, closed]).ravel()
    status = np.where(step == 0, "new", np.where(step == 1, waiting[rec],
                                                 np.where(step == 2, "solved", "closed")))
    keep = updated < ctx.horizon_s
    rec, step, updated, status = rec[keep], step[keep], updated[keep], status[keep]
    cols = {
        "id": ticket_ids[rec],
        "organization_id": pa.array(org[rec], mask=org[rec] < 0),
        "requester_email": email[rec],
        "subject": subj[rec],
        "priority": np.asarray(PRIORITIES, dtype=object)[prio][rec],
        "type": cat_name[rec],
        "requested_feature": requested[rec],
        "status": status,
        "created_at": nullable_iso(created.astype(np.int64)[rec], e.offset[cust][rec]),
        "first_responded_at": nullable_iso(np.where(step >= 1, first_resp[rec], -1).astype(np.int64),
                                           e.offset[cust][rec]),
        "solved_at": nullable_iso(np.where(step >= 2, solved[rec], -1).astype(np.int64), e.offset[cust][rec]),
        "updated_at": nullable_iso(updated.astype(np.int64), np.zeros(len(rec), np.int64)),
        "_loaded_at": ctx.loaded_at(rng, updated),
    }
    ctx.tickets = Tickets(ids=ticket_ids, customer=cust, solved=solved, is_solved=solved < ctx.horizon_s, health=h)
    return ctx.table("support", "tickets", cols, record=rec, changed=updated,
                     refs=[("support", "organizations", np.where(org[rec] >= 0, org[rec], None))])
