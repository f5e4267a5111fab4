"""The CS platform (Gainsight/Vitally-like): CSM activities, structured check-ins and CS play assignments.

Onboarding sessions follow the paid start, QBRs are held for enterprise (quarterly) and mid-market
(half-yearly) customers, each in its own months, more often when healthy; check-ins come at each
account's own cadence and record the CSM's read of the account: sentiment and a red/yellow/green status
per axis that follow latent health through the CSM's own bias and noise (in the truth: csm_bias).
Play assignments record each customer a play selected, treated or held out (simulation/plays.py); the
account's CSM logs a call for each treated one (appended to activities, from the plays' own stream).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, nullable_iso
from ..world import World

SYSTEM = "cs_platform"
TABLES = ("activities", "check_ins", "play_assignments")
ASKS = ("More training for new hires", "Help with the API integration", "A roadmap session",
        "Better export options", "Discount at renewal", "SSO for the whole company",
        "Faster support responses", "Executive business review", "Custom dashboards for leadership")
AXIS_STATUS = np.array(["red", "yellow", "green"], dtype=object)


def emit(ctx: Export) -> Iterator[RawTable]:
    """activities (onboarding sessions, QBRs, check-ins; and the calls of treated play customers) and the
    structured check-ins, from the system's one stream; play assignments from a stream of their own."""
    w, e, rng = ctx.w, ctx.entities, ctx.rng(SYSTEM)
    who, day, kind, check_in_month = _schedule(w, rng)
    na = len(who)
    at = day * SECONDS_PER_DAY + rng.integers(9 * 3600, 18 * 3600, na) - e.offset[who] * 60
    act_ids = T.ids("act_", na, 16, 12)
    minutes = np.select([kind == "qbr", kind == "onboarding_session"], [60, 45], 30) + rng.integers(-10, 20, na)
    ci = np.flatnonzero(kind == "check_in")
    csm = _csm_index(e.user_ids, e.owner)[who[ci]]
    sentiment, axes, ask = _check_in_content(rng, w.health[who[ci], check_in_month], e.csm_bias, csm)
    notes = np.full(na, None, dtype=object)
    notes[ci] = T.join("Sentiment: ", sentiment.astype(str), "/5 | Adoption: ", axes["adoption"],
                       " | Value: ", axes["value_realised"], " | Relationship: ", axes["relationship"],
                       " | Technical fit: ", axes["technical_fit"], " | Ask: ", ask)
    owner = e.owner[who]
    cols = {
        "id": act_ids,
        "account_id": e.crm_id[who],
        "csm_user_id": owner,
        "activity_type": kind,
        "occurred_at": nullable_iso(at, e.offset[who]),
        "duration_minutes": minutes,
        "notes": notes,
        "_loaded_at": ctx.loaded_at(rng, at),
    }
    plays = _play_assignments(ctx)
    treated = plays["treated"]
    ptw = plays["customer"][treated]
    play_act = {
        "id": T.ids("act_", na + len(ptw), 16, 12)[na:],
        "account_id": e.crm_id[ptw],
        "csm_user_id": e.owner[ptw],
        "activity_type": np.full(len(ptw), "call", dtype=object),
        "occurred_at": nullable_iso(plays["called_at"][treated], e.offset[ptw]),
        "duration_minutes": plays["minutes"][treated],
        "notes": T.join(np.asarray(PLAY_NOTES, dtype=object)[plays["play"][treated]]),
        "_loaded_at": plays["call_loaded_at"][treated],
    }
    yield ctx.table("cs_platform", "activities", cols, refs=[("crm", "accounts", cols["account_id"]),
                                                              ("crm", "users", owner)],
                    appended=play_act, appended_refs=[("crm", "accounts", play_act["account_id"]),
                                                      ("crm", "users", play_act["csm_user_id"])])
    cols = {
        "id": T.ids("chk_", len(ci), 17, 12),
        "activity_id": act_ids[ci],
        "account_id": e.crm_id[who[ci]],
        "csm_user_id": owner[ci],
        "checked_in_at": nullable_iso(at[ci], e.offset[who[ci]]),
        "sentiment": sentiment,
        "adoption_status": axes["adoption"],
        "value_realised_status": axes["value_realised"],
        "relationship_status": axes["relationship"],
        "technical_fit_status": axes["technical_fit"],
        "customer_ask": ask,
        "_loaded_at": ctx.loaded_at(rng, at[ci]),
    }
    yield ctx.table("cs_platform", "check_ins", cols, refs=[("cs_platform", "activities", act_ids[ci])])
    pw = plays["customer"]
    cols = {
        "id": plays["assignment_id"],
        "play_name": np.asarray(C.PLAYS, dtype=object)[plays["play"]],
        "account_id": e.crm_id[pw],
        "csm_user_id": e.owner[pw],
        "assigned_at": nullable_iso(plays["assigned_at"], e.offset[pw]),
        "assignment_group": np.where(plays["treated"], "treated", "holdout").astype(object),
        "_loaded_at": plays["loaded_at"],
    }
    yield ctx.table("cs_platform", "play_assignments", cols, refs=[("crm", "accounts", cols["account_id"]),
                                                                    ("crm", "users", cols["csm_user_id"])])


PLAY_NOTES = tuple(f"{p.capitalize()} play: call with the account's sponsor" for p in C.PLAYS)


def _play_assignments(ctx: Export) -> dict[str, np.ndarray]:
    """Every play assignment of the simulation (World.plays, in the order run) with its id, when it was
    assigned (office hours on the day the simulation ran it, local time) and loaded, and for the treated
    ones when the CSM called (1-7 days later), for how long, and when that call was loaded. Draws from
    the stream "cs_platform:plays" (also read by the truth, so the truth's ids and times are these)."""
    w, e, rng = ctx.w, ctx.entities, ctx.rng("cs_platform:plays")
    p = w.plays
    n = len(p["customer"])
    who = p["customer"]
    assigned = p["day"] * SECONDS_PER_DAY + rng.integers(9 * 3600, 17 * 3600, n) - e.offset[who] * 60
    called = assigned + rng.integers(1, 8, n) * SECONDS_PER_DAY + rng.integers(-3600, 3600, n)
    return {
        **p,
        "assignment_id": T.ids("pla_", n, 23, 12),
        "assigned_at": assigned,
        "loaded_at": ctx.loaded_at(rng, assigned),
        "called_at": called,
        "minutes": 30 + rng.integers(-10, 20, n),
        "call_loaded_at": ctx.loaded_at(rng, called),
    }


def _schedule(w: World, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer, day, kind) of every activity before the as-of date: onboarding sessions in the first
    weeks after the paid start, QBRs, check-ins; and the month of each check-in."""
    n = w.n
    paying = w.subs["start"][:n] >= 0
    # onboarding sessions in the first weeks after the paid start
    n_onb = np.where(paying, np.select([w.segment == 0, w.segment == 1],
                                       [rng.integers(0, 2, n), rng.integers(2, 4, n)], rng.integers(3, 6, n)), 0)
    o_who = np.repeat(np.arange(n), n_onb)
    o_j = np.arange(len(o_who)) - np.repeat(np.cumsum(n_onb) - n_onb, n_onb)
    o_day = w.paid_start_day[o_who] + o_j * 10 + rng.integers(0, 7, len(o_who))
    # QBRs: enterprise each quarter, mid-market every six months, each account in its own months
    phase = rng.integers(0, 6, n)
    q_parts = []
    for m in range(0, w.months):
        due = w.active_by_month[:, m] & (((w.segment == 2) & ((m - phase) % 3 == 0))
                                         | ((w.segment == 1) & ((m - phase) % 6 == 0)))
        held = due & (rng.random(n) < 0.4 + 0.5 * w.health[:, m])
        idx = np.flatnonzero(held)
        q_parts.append((idx, w.month_start[m] + rng.integers(0, 28, len(idx))))
    q_who = np.concatenate([p[0] for p in q_parts])
    q_day = np.concatenate([p[1] for p in q_parts])
    # structured check-ins: a Poisson number a month, at each account's own cadence around the segment's
    c_parts = []
    cadence = w.by_segment(C.CHECK_IN_PER_MONTH) * rng.lognormal(-0.125, 0.5, n)
    for m in range(w.months):
        cnt = rng.poisson(cadence * w.active_by_month[:, m])
        idx = np.repeat(np.arange(n), cnt)
        c_parts.append((idx, w.month_start[m] + rng.integers(0, 28, len(idx)), np.full(len(idx), m)))
    c_who = np.concatenate([p[0] for p in c_parts])
    c_day = np.concatenate([p[1] for p in c_parts])
    c_mon = np.concatenate([p[2] for p in c_parts])
    who = np.concatenate([o_who, q_who, c_who])
    day = np.concatenate([o_day, q_day, c_day])
    kind = np.concatenate([np.full(len(o_who), "onboarding_session", dtype=object),
                           np.full(len(q_who), "qbr", dtype=object),
                           np.full(len(c_who), "check_in", dtype=object)])
    keep = day < w.horizon
    return who[keep], day[keep], kind[keep], c_mon[keep[len(o_who) + len(q_who):]]


def _csm_index(user_ids: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """The position of each owner among the CRM users (the CSMs come first)."""
    order = np.argsort(user_ids)
    return order[np.searchsorted(user_ids[order], owner)]


def _check_in_content(rng: np.random.Generator, hh: np.ndarray, bias: dict[str, np.ndarray],
                      csm: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Sentiment (1..5), a red/yellow/green status per axis and the customer's ask, for check-ins at
    latent health `hh` by CSM `csm`: they follow health through each CSM's own bias and noise
    (entities.draw_csm_bias), larger on the free sentiment than on the structured axes."""
    sentiment = np.clip(np.round(rng.normal(1 + 4 * hh + bias["sentiment_bias"][csm],
                                            bias["sentiment_noise_sd"][csm])), 1, 5).astype(np.int64)
    # the CSM's read of the account at this check-in, shared by the four axes, each with a little of its own
    read = hh + bias["axes_bias"][csm] + rng.normal(0, 1, len(hh)) * bias["axes_noise_sd"][csm]

    def axis() -> np.ndarray:
        return AXIS_STATUS[np.digitize(read + rng.normal(0, 0.08, len(hh)), [0.35, 0.6])]

    axes = {a: axis() for a in ("adoption", "value_realised", "relationship", "technical_fit")}
    return sentiment, axes, T.pick(rng, ASKS, len(hh))
