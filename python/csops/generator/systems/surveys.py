"""Surveys (Qualtrics-like): relationship NPS responses and post-ticket CSAT responses.

Customers' people answer the quarterly NPS survey with scores that follow latent health (a few
invalid ones from a form bug), about +35 overall as in B2B SaaS; about a third of solved tickets get a
CSAT rating, again following health, 80-90% of them satisfied (4 or 5).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import config as C
from .. import text as T
from ..export import Export, RawTable
from ..helpers import SECONDS_PER_DAY, nullable_iso

SYSTEM = "surveys"
TABLES = ("nps_responses", "csat_responses")
NPS_COMMENTS = {
    "detractor": ("Too slow and support takes days.", "We are not getting the value we expected.",
                  "Hard to use, the team stopped logging in.", "Billing problems again."),
    "passive": ("It does the job.", "Good product, a few missing features.", "Fine, but pricey."),
    "promoter": ("Love it, the team uses it every day.", "Great support and great product.",
                 "Saves us hours every week.", "Our CSM is fantastic."),
}
CSAT_COMMENTS = ("Quick and helpful.", "Solved my issue.", "Took too long.", "Still not fixed.", None)


def emit(ctx: Export) -> Iterator[RawTable]:
    """nps_responses and csat_responses (the latter on support's tickets), from the system's one stream."""
    rng = ctx.rng(SYSTEM)
    yield _nps_responses(ctx, rng)
    yield _csat_responses(ctx, rng)


def _nps_responses(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The relationship NPS survey, each quarter, answered by customers' people live at the time."""
    w, e = ctx.w, ctx.entities
    quarters = range(0, w.months, 3)
    rate = w.by_segment(C.NPS_PER_QUARTER)
    parts = []
    for q in quarters:
        alive = w.active_by_month[:, q]
        cnt = rng.poisson(rate * alive)
        who = np.repeat(np.arange(w.n), cnt)
        parts.append((who, np.full(len(who), q)))
    who = np.concatenate([p[0] for p in parts])
    mon = np.concatenate([p[1] for p in parts])
    nr = len(who)
    h = w.health[who, mon]
    # Concave in health, as in B2B SaaS (NPS around +35): most people at a customer doing fine answer 8-10,
    # detractors come from the struggling ones.
    score = np.clip(np.round(rng.normal(10 - 8 * (1 - h) ** 2, 1.7)), 0, 10).astype(np.int64)
    bad = rng.random(nr) < C.FLAW_RATES["nps_invalid_score"]
    score = np.where(bad, rng.choice([-1, 11, 99], nr), score)
    band = np.select([score <= 6, score <= 8], ["detractor", "passive"], "promoter")
    comment = np.empty(nr, dtype=object)
    for b, texts in NPS_COMMENTS.items():
        hit = band == b
        comment[hit] = T.pick(rng, texts, hit.sum())
    comment = T.with_nulls(rng, comment, 0.5)
    j = rng.integers(0, np.maximum(e.n_contacts[who], 1))
    _, _, email = ctx.person(who, j, rng)
    month_len = w.month_start[mon + 1] - w.month_start[mon]
    sent = (w.month_start[mon] + rng.integers(0, 28, nr) % month_len) * SECONDS_PER_DAY
    submitted = (sent + rng.exponential(2 * 86_400, nr)).astype(np.int64)
    qlabel = np.datetime_as_string(w.month_start[mon].astype("datetime64[D]"), unit="M")
    resp_ids = T.ids("R_", nr, 14, 12, upper=True)
    cols = {
        "response_id": resp_ids,
        "survey_name": T.join("relationship_nps_", qlabel),
        "respondent_email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "score": score,
        "comment": comment,
        "submitted_at": nullable_iso(submitted, e.offset[who]),
        "_loaded_at": ctx.loaded_at(rng, submitted),
    }
    ctx.identity("surveys", "nps_responses", resp_ids, who, np.full(nr, "customer", dtype=object))
    return ctx.table("surveys", "nps_responses", cols)


def _csat_responses(ctx: Export, rng: np.random.Generator) -> RawTable:
    """About a third (35%) of the solved tickets get a rating, 1 to 5, that follows latent health."""
    e = ctx.entities
    tickets = ctx.tickets
    assert tickets is not None, "the support system runs first"
    pick_ = tickets.is_solved & (rng.random(len(tickets.ids)) < 0.35)
    tid, c, s, hh = tickets.ids[pick_], tickets.customer[pick_], tickets.solved[pick_], tickets.health[pick_]
    nc = len(tid)
    # most solved tickets leave a satisfied requester (80-90% rate 4 or 5), fewer when the customer struggles
    rating = np.clip(np.round(rng.normal(3.1 + 2.5 * hh, 0.8)), 1, 5).astype(np.int64)
    j = rng.integers(0, np.maximum(e.n_contacts[c], 1))
    _, _, email = ctx.person(c, j, rng)
    submitted = (s + rng.exponential(86_400, nc)).astype(np.int64)
    resp_ids = T.ids("CS_", nc, 15, 12, upper=True)
    cols = {
        "response_id": resp_ids,
        "ticket_id": tid,
        "respondent_email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "rating": rating,
        "comment": T.pick(rng, CSAT_COMMENTS, nc),
        "submitted_at": nullable_iso(submitted, np.zeros(nc, np.int64)),
        "_loaded_at": ctx.loaded_at(rng, submitted),
    }
    return ctx.table("surveys", "csat_responses", cols, refs=[("support", "tickets", tid)])
