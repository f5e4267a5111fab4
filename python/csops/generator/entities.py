"""Who the customers are in every system: company names, domains, countries, people, the ids each
system gives them and the CSM who owns them, drawn once from one stream ("entities") so that every
system's export names the same company the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import config as C
from . import text as T
from .world import World


@dataclass(frozen=True)
class Entities:
    """Per-customer attributes (arrays of length N) plus the prospects and CSM users of the CRM."""

    name: np.ndarray
    slug: np.ndarray
    domain: np.ndarray
    country: np.ndarray
    currency_code: np.ndarray
    legal: np.ndarray  # legal suffix (Inc., GmbH, K.K., ...)
    offset: np.ndarray  # UTC offset of the customer's local time, minutes
    industry: np.ndarray
    employees: np.ndarray
    person_start: np.ndarray  # where the customer's people start in the list of names
    n_contacts: np.ndarray
    crm_id: np.ndarray
    billing_id: np.ndarray
    workspace_id: np.ndarray
    org_id: np.ndarray  # support organisation id
    seats0: np.ndarray  # seats bought at signup
    n_users: np.ndarray  # product users of the main workspace
    first_user: np.ndarray  # product user id of the first of them
    owner: np.ndarray  # CRM user id of the owning CSM
    true_churn_day: np.ndarray  # day of the churn that ended the last subscription, -1 if none
    prospect_name: np.ndarray  # companies in the CRM only (never signed up)
    prospect_slug: np.ndarray
    csm_segments: list[str]  # the segment each CSM covers, in the order of their user ids
    csm_bias: dict[str, np.ndarray]  # how each CSM reads their accounts (see draw_csm_bias), per CSM
    user_ids: np.ndarray  # CRM user ids: the CSMs, then 3 CS managers and 5 account executives

    @property
    def n_prospects(self) -> int:
        return len(self.prospect_name)


def draw_entities(w: World, rng: np.random.Generator) -> Entities:
    n = w.n
    # prospects (15% more companies, CRM only) are drawn with the customers so no two share a name
    n_prospects = int(round(0.15 * n))
    names, slugs = T.company_names(rng, n + n_prospects)
    cur = np.array(C.CURRENCIES)[w.currency]
    tld = np.empty(n, dtype=object)
    country = np.empty(n, dtype=object)
    for ci, c in enumerate(C.CURRENCIES):
        hit = w.currency == ci
        opts = T.TLD[c] if isinstance(T.TLD[c], tuple) else (T.TLD[c],)
        tld[hit] = T.pick(rng, opts, hit.sum())
        country[hit] = T.pick(rng, T.COUNTRY[c], hit.sum())
    legal = np.empty(n, dtype=object)
    for c in C.CURRENCIES:
        hit = cur == c
        legal[hit] = T.pick(rng, T.LEGAL[c], hit.sum())
    offset = T.offsets_for(rng, w.currency)
    industry = T.pick(rng, T.INDUSTRIES, n)
    seg = np.array(C.SEGMENTS)[w.segment]
    emp_base = np.select([seg == "smb", seg == "mid_market"], [30, 400], 5000)
    employees = np.round(emp_base * np.exp(rng.normal(0, 0.7, n))).astype(np.int64) + 2
    person_start = rng.integers(0, len(T.FIRST) * len(T.LAST), n)
    lo = np.select([seg == "smb", seg == "mid_market"], [1, 3], 6)
    hi = np.select([seg == "smb", seg == "mid_market"], [4, 9], 21)
    n_contacts = rng.integers(lo, hi)
    seats0 = w.items["quantity"][:n]
    max_seats = np.maximum(seats0, w.seats_by_month.max(axis=1)).astype(np.int64)
    # Product users of the main workspace: enough for the most active month (up to 115% of seats)
    # plus a few never-active invitees.
    n_users = np.ceil(max_seats * 1.2).astype(np.int64) + 1

    # CSMs: per segment, enough to cover the book; smb is pooled under digital-CS owners.
    csm_segments: list[str] = []
    owner = np.empty(n, dtype=object)
    for s in C.SEGMENTS:
        hit = np.flatnonzero(seg == s)
        n_csm = max(1, int(np.ceil(len(hit) / C.ACCOUNTS_PER_CSM[s])))
        csm_segments += [s] * n_csm
        owner[hit] = rng.integers(0, n_csm, len(hit)) + (len(csm_segments) - n_csm)
    user_ids = T.ids("0055e0000", len(csm_segments) + 8, 4, 9, upper=True)
    csm_bias = draw_csm_bias(rng, len(csm_segments))

    return Entities(
        name=names[:n], slug=slugs[:n], domain=T.join(slugs[:n], tld), country=country, currency_code=cur,
        legal=legal, offset=offset, industry=industry, employees=employees, person_start=person_start,
        n_contacts=n_contacts, crm_id=T.ids("0015e0000", n, 1, 9, upper=True), billing_id=T.ids("cus_", n, 2, 12),
        workspace_id=T.ids("ws_", n, 3, 10), org_id=360_000_000_000 + np.arange(n, dtype=np.int64) * 7 + 1,
        seats0=seats0, n_users=n_users, first_user=np.concatenate([[0], np.cumsum(n_users)[:-1]]) + 1_000_001,
        owner=user_ids[owner.astype(np.int64)], true_churn_day=_true_churn_day(w), prospect_name=names[n:],
        prospect_slug=slugs[n:], csm_segments=csm_segments, csm_bias=csm_bias, user_ids=user_ids,
    )


def draw_csm_bias(rng: np.random.Generator, n_csm: int) -> dict[str, np.ndarray]:
    """Each CSM reads their accounts their own way: a bias and a noise on the free sentiment (1..5 scale;
    most CSMs are optimists) and, smaller, on the structured red/yellow/green axes (latent-health scale;
    the noise is the CSM's read at a check-in, shared by its four axes, which add sd 0.08 each).
    Written to the truth (csm_bias)."""
    return {
        "sentiment_bias": np.round(rng.normal(0.4, 0.6, n_csm), 3),
        "sentiment_noise_sd": np.round(rng.uniform(1.0, 1.8, n_csm), 3),
        "axes_bias": np.round(rng.normal(0.03, 0.10, n_csm), 3),
        "axes_noise_sd": np.round(rng.uniform(0.15, 0.35, n_csm), 3),
    }


def _true_churn_day(w: World) -> np.ndarray:
    """Ground truth about which customers churned for good: the day of their last churn, when no
    subscription started after it; -1 otherwise."""
    n = w.n
    last_churn = np.full(n, -1, np.int64)
    if len(w.churns["customer"]):
        order = np.argsort(w.churns["day"], kind="stable")
        last_churn[w.churns["customer"][order]] = w.churns["day"][order]
    last_start = np.full(n, -1, np.int64)
    started = w.subs["start"] >= 0
    order = np.argsort(w.subs["start"], kind="stable")
    order = order[started[order]]
    last_start[w.subs["customer"][order]] = w.subs["start"][order]
    churned = (last_churn >= 0) & (last_churn >= last_start)
    return np.where(churned, last_churn, -1)
