"""The community (Discourse/Bevy-like): members, posts and webinar attendance.

Healthier customers' people join, post and attend more; a quarter of the members are people with
no customer behind them (students, partners, prospects with a personal mailbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, dates, ts
from .product import FEATURES

SYSTEM = "community"
TABLES = ("members", "posts", "event_attendance")


@dataclass(frozen=True)
class Members:
    """The members the posts and the webinar registrations refer to."""

    ids: np.ndarray
    joined: np.ndarray  # epoch seconds
    health: np.ndarray  # the mean latent health of the member's customer (0.5 without one)


def emit(ctx: Export) -> Iterator[RawTable]:
    """members, posts and event_attendance, from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    table, members = _members(ctx, rng)
    yield table
    yield _posts(ctx, rng, members)
    yield _event_attendance(ctx, rng, members)


def _members(ctx: Export, rng: np.random.Generator) -> tuple[RawTable, Members]:
    """Customers' people (more of them when the customer is healthy) and people with no customer."""
    w, e = ctx.w, ctx.entities
    n = w.n
    mean_h = w.health.mean(axis=1)
    k = np.minimum(e.n_contacts, 10)
    joins = rng.binomial(k, np.clip(0.05 + 0.3 * mean_h, 0, 1))
    who = np.repeat(np.arange(n), joins)
    j = np.arange(len(who)) - np.repeat(np.cumsum(joins) - joins, joins)
    first, last, email = ctx.person(who, j, rng)
    # plus people with no customer behind them (students, partners, prospects with a gmail address)
    n_out = int(round(0.25 * len(who))) + 3
    of, ol = T.person_names(rng.integers(0, 5000, n_out), np.arange(n_out))
    o_email = T.join(of, ".", ol, (np.arange(n_out) % 89).astype(str), "@",
                     T.pick(rng, T.PERSONAL_DOMAINS, n_out))
    who_all = np.concatenate([who, np.full(n_out, -1)])
    email = np.concatenate([email, o_email])
    first = np.concatenate([first, of])
    last = np.concatenate([last, ol])
    nm = len(email)
    joined = np.where(who_all >= 0, w.paid_start_day[np.maximum(who_all, 0)] + rng.integers(5, 200, nm),
                      w.month_start[0] + rng.integers(0, w.horizon - w.month_start[0], nm))
    joined = joined * SECONDS_PER_DAY + rng.integers(0, 86_400, nm)
    member_ids = np.arange(nm, dtype=np.int64) + 501
    cols = {
        "id": member_ids,
        "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "display_name": T.join(first, "_", np.char.upper(np.char.ljust(last.astype(str), 1).astype(str))),
        "joined_at": ts(joined),
        "_loaded_at": ctx.loaded_at(rng, joined),
    }
    ctx.identity("community", "members", member_ids, who_all,
                  np.where(who_all >= 0, "customer", "unknown"))
    hm = np.where(who_all >= 0, mean_h[np.maximum(who_all, 0)], 0.5)
    return ctx.table("community", "members", cols), Members(member_ids, joined, hm)


def _posts(ctx: Export, rng: np.random.Generator, members: Members) -> RawTable:
    """Healthier members post more."""
    member_ids, joined, hm = members.ids, members.joined, members.health
    months_left = np.maximum(1, (ctx.horizon_s - joined) / (30 * 86_400))
    n_posts = rng.poisson(0.15 * months_left * (0.3 + hm))
    p_who = np.repeat(np.arange(len(member_ids)), n_posts)
    npo = len(p_who)
    posted = joined[p_who] + rng.random(npo) * np.maximum(ctx.horizon_s - joined[p_who], 0)
    posted = np.floor(posted)
    ptype = T.pick(rng, ("question", "answer", "idea", "discussion"), npo, p=(0.4, 0.3, 0.15, 0.15))
    cols = {
        "id": np.arange(npo, dtype=np.int64) + 90_001,
        "member_id": member_ids[p_who],
        "post_type": ptype,
        "title": T.join(np.char.capitalize(ptype.astype(str)), ": ",
                        T.pick(rng, [f[1] for f in FEATURES], npo)),
        "posted_at": ts(posted),
        "_loaded_at": ctx.loaded_at(rng, posted),
    }
    return ctx.table("community", "posts", cols, refs=[("community", "members", cols["member_id"])])


def _event_attendance(ctx: Export, rng: np.random.Generator, members: Members) -> RawTable:
    """A monthly webinar; registrants attend more often when healthy."""
    w = ctx.w
    member_ids, joined, hm = members.ids, members.joined, members.health
    nm = len(member_ids)
    parts = []
    for m in range(w.months):
        ev_day = w.month_start[m] + 14
        member_ok = joined < ev_day * SECONDS_PER_DAY
        reg = np.flatnonzero(member_ok & (rng.random(nm) < 0.08))
        parts.append((reg, np.full(len(reg), m)))
    r_who = np.concatenate([p[0] for p in parts])
    r_mon = np.concatenate([p[1] for p in parts])
    nr = len(r_who)
    ev_day = w.month_start[r_mon] + 14
    registered = (ev_day - rng.integers(1, 20, nr)) * SECONDS_PER_DAY + rng.integers(0, 86_400, nr)
    registered = np.maximum(registered, joined[r_who])
    attended = rng.random(nr) < 0.3 + 0.5 * hm[r_who]
    label = np.datetime_as_string(w.month_start[r_mon].astype("datetime64[D]"), unit="M")
    cols = {
        "id": np.arange(nr, dtype=np.int64) + 700_001,
        "member_id": member_ids[r_who],
        "event_name": T.join("Lumen Live ", label),
        "event_date": dates(ev_day),
        "registered_at": ts(registered),
        "attended": attended,
        # the attendance list is exported once the webinar is over
        "_loaded_at": ctx.loaded_at(rng, ev_day * SECONDS_PER_DAY + 20 * 3600),
    }
    return ctx.table("community", "event_attendance", cols, refs=[("community", "members", cols["member_id"])])
