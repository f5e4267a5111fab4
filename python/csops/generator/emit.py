"""Turn the simulated world into the raw tables each source system exports, flaws included."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import config as C
from . import text as T
from .helpers import SECONDS_PER_DAY, add_months, dates, epoch, nullable_iso, rng_stream, strs, ts
from .world import World

FEATURES = (
    # key, name, category, is_core, release month offset from the window start (0 = always there)
    ("dashboard_viewed", "Dashboard viewed", "analytics", True, 0),
    ("report_created", "Report created", "analytics", True, 0),
    ("report_shared", "Report shared", "collaboration", True, 0),
    ("comment_added", "Comment added", "collaboration", True, 0),
    ("data_source_connected", "Data source connected", "integrations", True, 0),
    ("export_csv", "CSV export", "analytics", True, 0),
    ("user_invited", "User invited", "admin", True, 0),
    ("alert_configured", "Alert configured", "automation", False, 0),
    ("workflow_automated", "Workflow automated", "automation", False, 0),
    ("api_call", "API call", "integrations", False, 0),
    ("sso_configured", "SSO configured", "admin", False, 0),
    ("forecast_run", "Forecast run", "analytics", False, 6),
    ("ai_insight_generated", "AI insight generated", "analytics", False, 12),
)
CORE_WEIGHTS = np.array([0.40, 0.20, 0.10, 0.12, 0.05, 0.08, 0.05])
ADV_WEIGHTS = np.array([0.25, 0.20, 0.30, 0.08, 0.05, 0.07, 0.05])
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
NPS_COMMENTS = {
    "detractor": ("Too slow and support takes days.", "We are not getting the value we expected.",
                  "Hard to use, the team stopped logging in.", "Billing problems again."),
    "passive": ("It does the job.", "Good product, a few missing features.", "Fine, but pricey."),
    "promoter": ("Love it, the team uses it every day.", "Great support and great product.",
                 "Saves us hours every week.", "Our CSM is fantastic."),
}
CSAT_COMMENTS = ("Quick and helpful.", "Solved my issue.", "Took too long.", "Still not fixed.", None)
ASKS = ("More training for new hires", "Help with the API integration", "A roadmap session",
        "Better export options", "Discount at renewal", "SSO for the whole company",
        "Faster support responses", "Executive business review", "Custom dashboards for leadership")
AXIS_STATUS = np.array(["red", "yellow", "green"], dtype=object)
TITLES = ("Head of Operations", "VP Customer Success", "Data Analyst", "CFO", "Director of Analytics",
          "Operations Manager", "IT Administrator", "Marketing Lead", "Engineer", "CEO")
SEGMENT_LABEL = {"smb": "SMB", "mid_market": "Mid-Market", "enterprise": "Enterprise"}


@dataclass
class RawTable:
    system: str
    name: str
    table: pa.Table


class Emitter:
    """Builds every raw table from one World. Tables are produced in a fixed order."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.seed = seed
        self.as_of_s = world.as_of * SECONDS_PER_DAY
        self.truth_identity: list[pa.Table] = []
        self._entities()

    def rng(self, name: str) -> np.random.Generator:
        return rng_stream(self.seed, name)

    # ------------------------------------------------------------------ entities
    def _entities(self) -> None:
        w, rng = self.w, self.rng("entities")
        n = w.n
        # prospects (15% more companies, CRM only) are drawn with the customers so no two share a name
        self.n_prospects = int(round(0.15 * n))
        names, slugs = T.company_names(rng, n + self.n_prospects)
        self.name, self.slug = names[:n], slugs[:n]
        self.prospect_name, self.prospect_slug = names[n:], slugs[n:]
        cur = np.array(C.CURRENCIES)[w.currency]
        tld = np.empty(n, dtype=object)
        country = np.empty(n, dtype=object)
        for ci, c in enumerate(C.CURRENCIES):
            hit = w.currency == ci
            opts = T.TLD[c] if isinstance(T.TLD[c], tuple) else (T.TLD[c],)
            tld[hit] = T.pick(rng, opts, hit.sum())
            country[hit] = T.pick(rng, T.COUNTRY[c], hit.sum())
        self.domain = T.join(self.slug, tld)
        self.country = country
        self.currency_code = cur
        legal = np.empty(n, dtype=object)
        for c in C.CURRENCIES:
            hit = cur == c
            legal[hit] = T.pick(rng, T.LEGAL[c], hit.sum())
        self.legal = legal
        self.offset = T.offsets_for(rng, w.currency)
        self.industry = T.pick(rng, T.INDUSTRIES, n)
        seg = np.array(C.SEGMENTS)[w.segment]
        emp_base = np.select([seg == "smb", seg == "mid_market"], [30, 400], 5000)
        self.employees = np.round(emp_base * np.exp(rng.normal(0, 0.7, n))).astype(np.int64) + 2
        self.person_start = rng.integers(0, len(T.FIRST) * len(T.LAST), n)
        lo = np.select([seg == "smb", seg == "mid_market"], [1, 3], 6)
        hi = np.select([seg == "smb", seg == "mid_market"], [4, 9], 21)
        self.n_contacts = rng.integers(lo, hi)
        self.crm_id = T.ids("0015e0000", n, 1, 9, upper=True)
        self.billing_id = T.ids("cus_", n, 2, 12)
        self.workspace_id = T.ids("ws_", n, 3, 10)
        self.org_id = 360_000_000_000 + np.arange(n, dtype=np.int64) * 7 + 1
        self.seats0 = w.items["quantity"][:n]
        self.max_seats = np.maximum(self.seats0, w.seats_by_month.max(axis=1)).astype(np.int64)
        # Product users of the main workspace: enough for the most active month (up to 115% of seats)
        # plus a few never-active invitees.
        self.n_users = np.ceil(self.max_seats * 1.2).astype(np.int64) + 1
        self.first_user = np.concatenate([[0], np.cumsum(self.n_users)[:-1]]) + 1_000_001

        # CSMs: per segment, enough to cover the book; smb is pooled under digital-CS owners.
        users, owner = [], np.empty(n, dtype=object)
        k = 0
        for s in C.SEGMENTS:
            hit = np.flatnonzero(seg == s)
            n_csm = max(1, int(np.ceil(len(hit) / C.ACCOUNTS_PER_CSM[s])))
            for j in range(n_csm):
                users.append((s, j, k))
                k += 1
            owner[hit] = rng.integers(0, n_csm, len(hit)) + (k - n_csm)
        self.csm_users = users
        user_ids = T.ids("0055e0000", len(users) + 8, 4, 9, upper=True)
        self.user_ids = user_ids
        self.owner = user_ids[owner.astype(np.int64)]

        # Ground truth about which customers churned for good.
        churned = np.zeros(n, bool)
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
        self.true_churn_day = np.where(churned, last_churn, -1)

    def person(self, who: np.ndarray, j: np.ndarray, rng: np.random.Generator,
               domain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first, last, email) of the j-th person at customer `who`; some use personal mailboxes."""
        first, last = T.person_names(self.person_start[who], j)
        dom = self.domain[who] if domain is None else domain
        personal = rng.random(len(who)) < C.FLAW_RATES["personal_email"]
        dom = np.where(personal, T.pick(rng, T.PERSONAL_DOMAINS, len(who)), dom)
        local = np.where(personal, T.join(first, last, (j % 97).astype(str)), T.join(first, ".", last))
        return first, last, T.join(local, "@", dom)

    def loaded_at(self, rng: np.random.Generator, event_s: np.ndarray | None, n: int) -> np.ndarray:
        """When the EL tool loaded a row: shortly after it changed, or at the last full sync."""
        if event_s is None:
            return self.as_of_s - rng.uniform(3_600, 20 * 3_600, n)
        lag = rng.exponential(3 * 3_600, n) + 300
        return np.minimum(np.asarray(event_s, dtype=np.float64) + lag, self.as_of_s - rng.uniform(60, 3_600, n))

    def resync(self, rng: np.random.Generator, cols: dict[str, np.ndarray | pa.Array], rate: float,
               loaded_key: str = "_loaded_at") -> dict:
        """Append a re-synced copy of some rows, identical but for a later _loaded_at."""
        first = next(iter(cols.values()))
        n = len(first)
        dup = np.flatnonzero(rng.random(n) < rate)
        loaded = np.asarray(cols[loaded_key], dtype=np.float64)
        room = np.maximum(self.as_of_s - 1 - loaded[dup], 1)
        later = loaded[dup] + np.maximum(1.0, room * rng.uniform(0.05, 1.0, len(dup)))
        later = np.minimum(later, self.as_of_s - 0.001)
        out = {}
        for k, v in cols.items():
            if k == loaded_key:
                out[k] = np.concatenate([loaded, later])
            elif isinstance(v, pa.Array):
                out[k] = pa.concat_arrays([v, v.take(pa.array(dup, type=pa.int64()))])
            else:
                v = np.asarray(v)
                out[k] = np.concatenate([v, v[dup]])
        return out

    def table(self, system: str, name: str, cols: dict, dup_rate: float | None = None) -> RawTable:
        rng = self.rng(f"resync:{system}.{name}")
        if dup_rate is None:
            dup_rate = C.FLAW_RATES["resync_duplicate"]
        if dup_rate:
            cols = self.resync(rng, cols, dup_rate)
        arrays = {}
        for k, v in cols.items():
            if k == "_loaded_at":
                arrays[k] = ts(v)
            elif isinstance(v, pa.Array):
                arrays[k] = v
            else:
                v = np.asarray(v)
                arrays[k] = strs(v) if v.dtype == object or v.dtype.kind == "U" else pa.array(v)
        return RawTable(system, name, pa.table(arrays))

    def identity(self, system: str, table: str, source_ids, customer: np.ndarray, kind: np.ndarray) -> None:
        key = np.where(customer >= 0, T.join("C", np.char.zfill(np.maximum(customer, 0).astype(str), 7)),
                       None).astype(object)
        self.truth_identity.append(pa.table({
            "system": strs(np.full(len(customer), system, dtype=object)),
            "source_table": strs(np.full(len(customer), table, dtype=object)),
            "source_id": strs(np.asarray(source_ids).astype(str).astype(object)),
            "customer_key": strs(key),
            "entity_kind": strs(np.asarray(kind, dtype=object)),
        }))

    # ------------------------------------------------------------------ crm
    def crm(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("crm")
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
        n_prospects = self.n_prospects
        n_test = max(2, int(round(C.FLAW_RATES["test_account"] * n)))
        p_name, p_slug = self.prospect_name, self.prospect_slug

        groups = {
            "customer": (cust, self.name, self.domain),
            "child_account": (child_parent, T.join(self.name[child_parent], " ", region),
                              np.where(rng.random(len(child_parent)) < 0.5, self.domain[child_parent],
                                       T.join(self.slug[child_parent], "-", np.char.lower(region.astype(str)),
                                              ".com"))),
            "duplicate_account": (dups, T.join(self.name[dups], " ", self.legal[dups]), self.domain[dups]),
            "prospect": (np.full(n_prospects, -1), p_name, T.join(p_slug, ".com")),
            "internal": (np.full(n_test, -1), T.join("[TEST] Lumen Sandbox ", np.arange(n_test).astype(str)),
                         np.full(n_test, C.INTERNAL_DOMAIN, dtype=object)),
        }
        kinds = np.concatenate([np.full(len(v[0]), k, dtype=object) for k, v in groups.items()])
        who = np.concatenate([v[0] for v in groups.values()])
        names = np.concatenate([v[1] for v in groups.values()])
        domains = np.concatenate([v[2] for v in groups.values()])
        total = len(who)
        acct_id = np.concatenate([self.crm_id, T.ids("0015e0001", total - n, 5, 9, upper=True)])
        self.child_ids = acct_id[n:n + len(child_parent)]
        self.child_parent = child_parent
        self.child_domain = domains[n:n + len(child_parent)]
        self.prospect_ids = acct_id[kinds == "prospect"]
        self.prospect_domain = domains[kinds == "prospect"]
        self.test_crm_ids = acct_id[kinds == "internal"]
        known = who >= 0
        w_idx = np.maximum(who, 0)
        created_day = np.where(known, w.signup_day[w_idx] - rng.integers(10, 120, total),
                               w.month_start[0] + rng.integers(0, w.as_of - w.month_start[0], total))
        created_day = np.where(kinds == "duplicate_account",
                               np.minimum(w.signup_day[w_idx] + rng.integers(30, 400, total), w.as_of - 1),
                               created_day)
        created_s = created_day * SECONDS_PER_DAY + rng.integers(8 * 3600, 20 * 3600, total)
        offsets = np.where(known, self.offset[w_idx], -300)
        modified_s = created_s + (self.as_of_s - created_s) * rng.uniform(0, 1, total)
        parent = np.full(total, None, dtype=object)
        is_child = kinds == "child_account"
        parent[is_child] = self.crm_id[child_parent]
        seg_label = np.asarray([SEGMENT_LABEL[s] for s in seg], dtype=object)[w_idx]
        seg_label = np.where(kinds == "prospect", T.pick(rng, list(SEGMENT_LABEL.values()), total), seg_label)
        seg_label = np.where(kinds == "internal", None, seg_label)
        owner = np.where(known & (kinds != "duplicate_account"), self.owner[w_idx], None)
        acct_type = np.select([kinds == "prospect", kinds == "internal"], ["Prospect", "Other"], "Customer")
        industry = np.where(known, self.industry[w_idx], T.pick(rng, T.INDUSTRIES, total))
        employees = np.where(known, self.employees[w_idx], rng.integers(5, 3000, total)).astype(object)
        cols = {
            "id": acct_id,
            "name": names,
            "website": T.messy_domain(rng, domains, C.FLAW_RATES["messy_domain"]),
            "type": acct_type,
            "industry": T.with_nulls(rng, industry, C.FLAW_RATES["null_industry"]),
            "segment__c": seg_label,
            "number_of_employees": pa.array(T.with_nulls(rng, employees, C.FLAW_RATES["null_employee_count"]),
                                            type=pa.int64()),
            "billing_country": np.where(known, self.country[w_idx], "US"),
            "currency_iso_code": np.where(known, self.currency_code[w_idx], "USD"),
            "owner_id": owner,
            "parent_id": parent,
            "created_date": nullable_iso(created_s, offsets),
            "last_modified_date": nullable_iso(modified_s.astype(np.int64), offsets),
            "is_deleted": rng.random(total) < C.FLAW_RATES["crm_account_soft_deleted"],
            "_loaded_at": self.loaded_at(rng, None, total),
        }
        truth_customer = np.where(kinds == "prospect", -1, who)
        self.identity("crm", "accounts", acct_id, np.where(kinds == "internal", -1, truth_customer), kinds)
        yield self.table("crm", "accounts", cols)

        # users (CSMs, managers, digital CS, account executives)
        n_csm = len(self.csm_users)
        u_seg = np.asarray([u[0] for u in self.csm_users] + ["all"] * 8, dtype=object)
        role = np.asarray(["Digital CS" if u[0] == "smb" else "CSM" for u in self.csm_users]
                          + ["CS Manager"] * 3 + ["Account Executive"] * 5, dtype=object)
        nu = n_csm + 8
        first, last = T.person_names(rng.integers(0, 5000, nu), np.arange(nu))
        cols = {
            "id": self.user_ids,
            "name": T.join(np.char.capitalize(first.astype(str)), " ", np.char.capitalize(last.astype(str))),
            "email": T.messy_email(rng, T.join(first, ".", last, "@", C.INTERNAL_DOMAIN),
                                   C.FLAW_RATES["messy_email"]),
            "user_role": role,
            "segment_coverage": u_seg,
            "manager_id": np.where(role == "CS Manager", None, self.user_ids[n_csm]),
            "is_active": rng.random(nu) > 0.05,
            "created_date": nullable_iso(w.month_start[0] * SECONDS_PER_DAY - rng.integers(0, 4e7, nu),
                                         np.full(nu, -300)),
            "_loaded_at": self.loaded_at(rng, None, nu),
        }
        yield self.table("crm", "users", cols)

        # contacts: the first people of each customer (the same people use the product)
        c_who = np.concatenate([np.repeat(cust, self.n_contacts), child_parent, dups])
        c_acct = np.concatenate([np.repeat(self.crm_id, self.n_contacts), self.child_ids,
                                 acct_id[kinds == "duplicate_account"]])
        c_j = np.concatenate([np.arange(self.n_contacts.sum()) - np.repeat(np.cumsum(self.n_contacts)
                                                                            - self.n_contacts, self.n_contacts),
                              50 + np.arange(len(child_parent)), np.zeros(len(dups), np.int64)])
        c_dom = np.concatenate([self.domain[np.repeat(cust, self.n_contacts)], self.child_domain,
                                self.domain[dups]])
        first, last, email = self.person(c_who, c_j, rng, c_dom)
        # prospects get one contact each
        pf, pl = T.person_names(rng.integers(0, 5000, n_prospects), np.zeros(n_prospects, np.int64))
        first = np.concatenate([first, pf])
        last = np.concatenate([last, pl])
        email = np.concatenate([email, T.join(pf, ".", pl, "@", self.prospect_domain)])
        c_acct = np.concatenate([c_acct, self.prospect_ids])
        c_j = np.concatenate([c_j, np.zeros(n_prospects, np.int64)])
        c_who_all = np.concatenate([c_who, np.full(n_prospects, -1)])
        nc = len(email)
        self.contact_who, self.contact_j, self.contact_email = c_who_all, c_j, email
        contact_id = T.ids("0035e0000", nc, 6, 9, upper=True)
        created = np.where(c_who_all >= 0, w.signup_day[np.maximum(c_who_all, 0)] * SECONDS_PER_DAY
                           + c_j * 86_400 * 7, self.as_of_s - rng.integers(86_400, 86_400 * 300, nc))
        created = np.minimum(created + rng.integers(0, 86_400, nc), self.as_of_s - 3600)
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
            "_loaded_at": self.loaded_at(rng, None, nc),
        }
        self.identity("crm", "contacts", contact_id, c_who_all, np.where(c_who_all >= 0, "customer", "prospect"))
        yield self.table("crm", "contacts", cols)

        # opportunities
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
        # prospects' pipeline: open or lost new business
        pn = len(self.prospect_ids)
        p_close = w.month_start[0] + rng.integers(0, w.as_of - w.month_start[0] + 120, pn)
        opp_id = T.ids("0065e0000", no + pn, 7, 9, upper=True)
        cols = {
            "id": opp_id,
            "account_id": np.concatenate([self.crm_id[o["customer"]], self.prospect_ids]),
            "type": np.concatenate([opp_kind, np.full(pn, "New Business", dtype=object)]),
            "stage_name": np.concatenate([opp_stage, np.where(p_close < w.as_of, "Closed Lost", "Proposal")]),
            "amount": np.concatenate([np.round(o["amount"] / minor, 2), np.round(rng.uniform(2e3, 8e4, pn), 2)]),
            "currency_iso_code": np.concatenate([cur, np.full(pn, "USD", dtype=object)]),
            "close_date": dates(np.concatenate([close_day, p_close])),
            "created_date": nullable_iso(np.concatenate([created, (p_close - 60) * SECONDS_PER_DAY]),
                                         np.concatenate([self.offset[o["customer"]], np.full(pn, -300)])),
            "is_deleted": rng.random(no + pn) < 0.005,
            "_loaded_at": self.loaded_at(rng, None, no + pn),
        }
        yield self.table("crm", "opportunities", cols)

    # ------------------------------------------------------------------ billing
    def billing(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("billing")
        n = w.n
        n_test = len(self.test_crm_ids)
        test_ids = T.ids("cus_", n_test, 8, 12)
        cust_ids = np.concatenate([self.billing_id, test_ids])
        has_crm = rng.random(n) >= C.FLAW_RATES["billing_customer_missing_crm_id"]
        crm = np.concatenate([np.where(has_crm, self.crm_id, None), self.test_crm_ids])
        billing_local = T.pick(rng, ("billing", "accounts", "finance", "ap"), n)
        _, _, person_email = self.person(np.arange(n), np.zeros(n, np.int64), rng)
        email = np.where(rng.random(n) < 0.35, T.join(billing_local, "@", self.domain), person_email)
        email = np.concatenate([email, T.join("qa+", np.arange(n_test).astype(str), "@", C.INTERNAL_DOMAIN)])
        name = np.where(rng.random(n) < 0.5, T.join(self.name, " ", self.legal), self.name)
        created = np.concatenate([w.signup_day * SECONDS_PER_DAY + rng.integers(0, 86_400, n),
                                  w.month_start[0] * SECONDS_PER_DAY + rng.integers(0, 86_400 * 300, n_test)])
        cols = {
            "id": cust_ids,
            "crm_account_id": crm,
            "name": np.concatenate([name, T.join("Lumen QA ", np.arange(n_test).astype(str))]),
            "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
            "currency": np.char.lower(np.concatenate([self.currency_code, np.full(n_test, "USD")]).astype(str)),
            "address_country": np.concatenate([self.country, np.full(n_test, "US", dtype=object)]),
            "created": epoch(created),
            "deleted": np.concatenate([np.zeros(n, bool), rng.random(n_test) < 0.3]),
            "_loaded_at": self.loaded_at(rng, None, n + n_test),
        }
        self.identity("billing", "customers", cust_ids, np.concatenate([np.arange(n), np.full(n_test, -1)]),
                      np.concatenate([np.full(n, "customer", dtype=object), np.full(n_test, "internal", dtype=object)]))
        yield self.table("billing", "customers", cols)

        # plans
        plan_rows = [(t, iv, c) for t in C.PLAN_TIERS for iv in ("month", "year") for c in C.CURRENCIES]
        tier_i = np.array([C.PLAN_TIERS.index(p[0]) for p in plan_rows])
        cur_i = np.array([C.CURRENCIES.index(p[2]) for p in plan_rows])
        ann = np.array([p[1] == "year" for p in plan_rows])
        from .world import unit_amount_minor
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
            "_loaded_at": self.loaded_at(rng, None, len(plan_rows)),
        }
        yield self.table("billing", "plans", cols, dup_rate=0)

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
            "customer_id": np.concatenate([self.billing_id[s["customer"]], test_ids]),
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
            "_loaded_at": np.concatenate([self.loaded_at(rng, None, ns + n_test)]),
        }
        yield self.table("billing", "subscriptions", cols)

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
            "_loaded_at": self.loaded_at(rng, None, ni + n_test),
        }
        yield self.table("billing", "subscription_items", cols)

        # pauses: billing stops between paused_at and resumes_at (a scheduled date, possibly ahead)
        ps = w.pauses
        npz = len(ps["subscription"])
        paused_at = ps["start"] * SECONDS_PER_DAY
        cols = {
            "id": T.ids("pause_", npz, 18, 12),
            "subscription_id": sub_ids[ps["subscription"]],
            "paused_at": epoch(paused_at),
            "resumes_at": epoch(ps["end"] * SECONDS_PER_DAY),
            "_loaded_at": self.loaded_at(rng, paused_at - rng.integers(86_400, 10 * 86_400, npz), npz),
        }
        yield self.table("billing", "subscription_pauses", cols)

        # invoices
        iv = w.invoices
        nv = len(iv["customer"])
        inv_ids = T.ids("in_", nv, 11, 12)
        inv_created = iv["day"] * SECONDS_PER_DAY + rng.integers(0, 3_600, nv)
        net_terms = (w.segment[iv["customer"]] == 2) & iv["annual"]
        paid = iv["status"] == "paid"
        cols = {
            "id": inv_ids,
            "customer_id": self.billing_id[iv["customer"]],
            "subscription_id": sub_ids[iv["subscription"]],
            "status": iv["status"],
            "created": epoch(inv_created),
            "due_date": epoch(inv_created + np.where(net_terms, 30, 0) * 86_400),
            "period_start": epoch(iv["period_start"] * SECONDS_PER_DAY),
            "period_end": epoch(iv["period_end"] * SECONDS_PER_DAY),
            "amount_due": iv["amount"],
            "amount_paid": np.where(paid, iv["amount"], 0),
            "currency": np.char.lower(np.array(C.CURRENCIES)[iv["currency"]]),
            "_loaded_at": self.loaded_at(rng, inv_created + np.where(paid, 86_400 * 3, 0), nv),
        }
        yield self.table("billing", "invoices", cols)

        p = w.payments
        npay = len(p["invoice"])
        pay_at = p["day"] * SECONDS_PER_DAY + rng.integers(3_600, 20_000, npay)
        fail_code = np.where(p["succeeded"], None,
                             T.pick(rng, ("card_declined", "insufficient_funds", "expired_card",
                                          "processing_error"), npay, p=(0.5, 0.3, 0.15, 0.05)))
        cols = {
            "id": T.ids("ch_", npay, 12, 12),
            "invoice_id": inv_ids[p["invoice"]],
            "customer_id": self.billing_id[p["customer"]],
            "created": epoch(pay_at),
            "amount": p["amount"],
            "currency": np.char.lower(np.array(C.CURRENCIES)[p["currency"]]),
            "status": np.where(p["succeeded"], "succeeded", "failed"),
            "failure_code": fail_code,
            "attempt_count": p["attempt"],
            "_loaded_at": self.loaded_at(rng, pay_at, npay),
        }
        yield self.table("billing", "payments", cols)

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
            "_loaded_at": self.loaded_at(rng, (fx_day + 1) * SECONDS_PER_DAY, len(fx_day)),
        }
        yield self.table("billing", "fx_rates", cols, dup_rate=0)

    # ------------------------------------------------------------------ product
    def product_dims(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("product")
        n = w.n
        # a second workspace for a quarter of enterprise customers; free workspaces for some prospects
        second = np.flatnonzero((w.segment == 2) & (rng.random(n) < 0.25))
        n_test = len(self.test_crm_ids)
        pros = np.flatnonzero(rng.random(len(self.prospect_ids)) < 0.2)
        ws_ids = np.concatenate([self.workspace_id, T.ids("ws_", len(second) + len(pros) + n_test, 13, 10)])
        owner = np.concatenate([np.arange(n), second, np.full(len(pros) + n_test, -1)])
        kind = np.concatenate([np.full(n + len(second), "customer", dtype=object),
                               np.full(len(pros), "prospect", dtype=object),
                               np.full(n_test, "internal", dtype=object)])
        dom = np.concatenate([self.domain, self.domain[second], self.prospect_domain[pros],
                              np.full(n_test, C.INTERNAL_DOMAIN, dtype=object)])
        name = np.concatenate([self.slug, T.join(self.slug[second], "-team2"),
                               np.char.replace(self.prospect_domain[pros].astype(str), ".com", ""),
                               T.join("lumen-test-", np.arange(n_test).astype(str))])
        nw = len(ws_ids)
        created = np.where(owner >= 0, w.signup_day[np.maximum(owner, 0)] * SECONDS_PER_DAY,
                           self.as_of_s - rng.integers(86_400, 86_400 * 400, nw)) + rng.integers(0, 86_400, nw)
        created = np.where(np.arange(nw) >= n, np.minimum(created + 86_400 * 30, self.as_of_s - 7200), created)
        # workspaces of customers who churned for good are sometimes deleted a while later
        gone = np.where(owner >= 0, self.true_churn_day[np.maximum(owner, 0)], -1)
        deleted = (gone >= 0) & (rng.random(nw) < 0.2)
        deleted_at = np.where(deleted, (gone + rng.integers(30, 90, nw)) * SECONDS_PER_DAY, -1)
        deleted_at = np.where(deleted_at >= self.as_of_s, -1, deleted_at)
        domain = T.with_nulls(rng, T.messy_domain(rng, dom, C.FLAW_RATES["messy_domain"]),
                              C.FLAW_RATES["workspace_missing_domain"])
        cols = {
            "workspace_id": ws_ids,
            "workspace_name": name,
            "domain": domain,
            "created_at": ts(created),
            "deleted_at": ts(deleted_at),
            "_loaded_at": self.loaded_at(rng, None, nw),
        }
        self.identity("product", "workspaces", ws_ids, np.where(kind == "customer", owner, -1), kind)
        yield self.table("product", "workspaces", cols)

        # users of the main workspace of each customer (seat holders first, same people as the contacts)
        cust = np.repeat(np.arange(n), self.n_users)
        j = np.arange(len(cust)) - np.repeat(self.first_user - self.first_user[0], self.n_users)
        first, last, email = self.person(cust, j, rng)
        nu = len(cust)
        created = np.minimum(w.signup_day[cust] * SECONDS_PER_DAY + np.sqrt(j) * 86_400 * 20
                             + rng.integers(0, 86_400, nu), self.as_of_s - 3600)
        cols = {
            "id": np.arange(nu, dtype=np.int64) + self.first_user[0] if nu else np.zeros(0, np.int64),
            "workspace_id": self.workspace_id[cust],
            "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
            "role": np.where(j < 2, "admin", "member"),
            "created_at": ts(created),
            "_loaded_at": self.loaded_at(rng, None, nu),
        }
        yield self.table("product", "users", cols)

        start = w.month_start[0]
        cols = {
            "feature_key": np.asarray([f[0] for f in FEATURES], dtype=object),
            "feature_name": np.asarray([f[1] for f in FEATURES], dtype=object),
            "category": np.asarray([f[2] for f in FEATURES], dtype=object),
            "is_core": np.asarray([f[3] for f in FEATURES]),
            "released_on": dates(add_months(np.full(len(FEATURES), start), np.array([f[4] for f in FEATURES]))),
            "_loaded_at": self.loaded_at(rng, None, len(FEATURES)),
        }
        yield self.table("product", "features", cols, dup_rate=0)

    def product_events(self, on_chunk: Callable[[int], None] | None = None) -> Iterator[pa.Table]:
        """Yield the event table in chunks of customers (each chunk its own seeded stream)."""
        w = self.w
        n, n_days = w.n, int(w.as_of - w.month_start[0])
        day_num = w.month_start[0] + np.arange(n_days)
        month_of_day = np.searchsorted(w.month_start, day_num, side="right") - 1
        weekday = (day_num + 3) % 7  # 0 = Monday
        day_factor = np.where(weekday >= 5, 0.25, 1.0)
        release = np.array([add_months(np.array([w.month_start[0]]), f[4])[0] for f in FEATURES])
        core = np.array([f[3] for f in FEATURES])
        core_keys, adv_keys = np.flatnonzero(core), np.flatnonzero(~core)
        adv_w = np.ones(len(adv_keys)) / len(adv_keys)
        event_names = pa.array([f[0] for f in FEATURES])
        seats_eff = np.where(w.seats_by_month > 0, w.seats_by_month, self.seats0[:, None])
        s = w.subs
        run_end = np.where(s["ended"] >= 0, s["ended"], w.as_of)
        step = w.scale.customers_per_chunk
        next_id = 1
        for chunk, lo in enumerate(range(0, n, step)):
            hi = min(n, lo + step)
            rng = self.rng(f"events:{chunk}")
            k = hi - lo
            alive = np.zeros((k, n_days), bool)
            in_chunk = np.flatnonzero((s["customer"] >= lo) & (s["customer"] < hi))
            for r in in_chunk:
                a = int(s["created"][r] - w.month_start[0])
                b = int(run_end[r] - w.month_start[0])
                alive[s["customer"][r] - lo, max(a, 0):max(b, 0)] = True
            h = w.health[lo:hi][:, month_of_day]
            util = np.clip(0.1 + 0.9 * w.health[lo:hi] + rng.normal(0, 0.08, (k, w.months)), 0.05, 1.15)
            active_users = np.maximum(1, np.ceil(seats_eff[lo:hi] * util)).astype(np.int64)
            au_day = active_users[:, month_of_day]
            lam = (w.scale.events_per_sqrt_user_day * np.sqrt(au_day) * (0.3 + h) * day_factor[None, :])
            counts = rng.poisson(lam * alive)
            flat = counts.ravel()
            nz = np.flatnonzero(flat)
            rep = flat[nz]
            cust_l = np.repeat(nz // n_days, rep)
            day_i = np.repeat(nz % n_days, rep)
            m = len(cust_l)
            cust_g = cust_l + lo
            user = self.first_user[cust_g] + np.floor(rng.random(m) * au_day[cust_l, day_i]).astype(np.int64)
            local_hour = np.clip(rng.normal(13.5, 3.0, m), 0, 23.99)
            sec = np.mod(local_hour * 3600 - self.offset[cust_g] * 60, 86_400)
            occurred = (day_num[day_i] * SECONDS_PER_DAY + sec).astype(np.float64)
            occurred = np.floor(occurred * 1000) / 1000
            # feature choice: healthier customers use more of the advanced features
            adv = rng.random(m) < (0.05 + 0.35 * h[cust_l, day_i])
            feat = np.where(adv, adv_keys[rng.choice(len(adv_keys), m, p=adv_w)],
                            core_keys[rng.choice(len(core_keys), m, p=CORE_WEIGHTS)])
            feat = np.where(release[feat] > day_num[day_i], core_keys[0], feat)
            late = rng.random(m) < C.FLAW_RATES["late_event"]
            lag = np.where(late, rng.uniform(3_600, 72 * 3_600, m), rng.uniform(0.2, 60, m))
            received = occurred + lag
            loaded = received + rng.uniform(0, 900, m)
            keep = loaded < self.as_of_s  # late data that has not arrived yet is not in the export
            ids_ = np.arange(next_id, next_id + m, dtype=np.int64)
            next_id += m
            cols = {
                "event_id": ids_[keep], "workspace_id_i": cust_g[keep], "user_id": user[keep],
                "event_i": feat[keep], "occurred_at": occurred[keep], "received_at": received[keep],
                "_loaded_at": loaded[keep],
            }
            cols = self.resync(rng, cols, C.FLAW_RATES["event_resync_duplicate"])
            order = np.argsort(cols["_loaded_at"], kind="stable")
            yield pa.table({
                "event_id": pa.array(cols["event_id"][order]),
                "workspace_id": pa.DictionaryArray.from_arrays(
                    pa.array(cols["workspace_id_i"][order] - lo, type=pa.int32()),
                    pa.array(self.workspace_id[lo:hi].astype(str))),
                "user_id": pa.array(cols["user_id"][order]),
                "event_name": pa.DictionaryArray.from_arrays(pa.array(cols["event_i"][order].astype(np.int32)),
                                                             event_names),
                "occurred_at": ts(cols["occurred_at"][order]),
                "received_at": ts(cols["received_at"][order]),
                "_loaded_at": ts(cols["_loaded_at"][order]),
            })
            if on_chunk:
                on_chunk(k)

    # ------------------------------------------------------------------ support
    def support(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("support")
        n = w.n
        # one organisation per customer; some have a second (re-created) org; children often have one
        second = np.flatnonzero(rng.random(n) < 0.05)
        kids = np.flatnonzero(rng.random(len(self.child_parent)) < 0.5)
        org_cust = np.concatenate([np.arange(n), second, self.child_parent[kids]])
        no = len(org_cust)
        org_ids = np.concatenate([self.org_id, 361_000_000_000 + np.arange(no - n, dtype=np.int64) * 11 + 3])
        base_name = np.concatenate([self.name, self.name[second], T.join(self.name[self.child_parent[kids]], " ",
                                                                          "subsidiary")])
        variant = rng.random(no) < C.FLAW_RATES["support_org_name_variant"]
        vk = rng.integers(0, 3, no)
        legal = self.legal[org_cust]
        varied = np.select([vk == 0, vk == 1], [np.char.upper(base_name.astype(str)),
                                                T.join(base_name, ", ", legal)], T.join(base_name, " (old)"))
        name = np.where(variant, varied, base_name)
        dom = np.concatenate([self.domain, self.domain[second], self.child_domain[kids]])
        domain = T.with_nulls(rng, T.messy_domain(rng, dom, C.FLAW_RATES["messy_domain"]),
                              C.FLAW_RATES["support_org_missing_domain"])
        created = np.minimum(w.signup_day[org_cust] * SECONDS_PER_DAY + rng.integers(86_400, 86_400 * 60, no),
                             self.as_of_s - 7200)
        cols = {
            "id": org_ids,
            "name": name,
            "domain_names": domain,
            "created_at": nullable_iso(created, np.zeros(no, np.int64)),
            "_loaded_at": self.loaded_at(rng, None, no),
        }
        self.identity("support", "organizations", org_ids, org_cust, np.full(no, "customer", dtype=object))
        yield self.table("support", "organizations", cols)

        # tickets: volume and severity follow (low) health
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
        responded = first_resp < self.as_of_s
        is_solved = solved < self.as_of_s
        status = np.where(is_solved, np.where(solved < self.as_of_s - 4 * 86_400, "closed", "solved"),
                          np.where(responded, np.where(rng.random(nt) < 0.5, "open", "pending"), "new"))
        # the requester is one of the customer's people; a few tickets come in with no organisation
        j = rng.integers(0, np.maximum(self.n_contacts[cust], 1))
        _, _, email = self.person(cust, j, rng)
        email = T.with_nulls(rng, T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
                             C.FLAW_RATES["ticket_missing_requester"])
        org = np.where(rng.random(nt) < 0.03, -1, self.org_id[cust])
        feature_keys = np.asarray([f[0] for f in FEATURES] + ["custom_roles", "mobile_app", "sla_reports"],
                                  dtype=object)
        requested = np.where(cat_name == "feature_request", T.pick(rng, feature_keys, nt), None)
        ticket_ids = np.arange(nt, dtype=np.int64) + 10_001
        updated = np.where(is_solved, solved, np.where(responded, first_resp, created))
        cols = {
            "id": ticket_ids,
            "organization_id": pa.array(org, mask=org < 0),
            "requester_email": email,
            "subject": subj,
            "priority": np.asarray(PRIORITIES, dtype=object)[prio],
            "type": cat_name,
            "requested_feature": requested,
            "status": status,
            "created_at": nullable_iso(created.astype(np.int64), self.offset[cust]),
            "first_responded_at": nullable_iso(np.where(responded, first_resp, -1).astype(np.int64),
                                               self.offset[cust]),
            "solved_at": nullable_iso(np.where(is_solved, solved, -1).astype(np.int64), self.offset[cust]),
            "updated_at": nullable_iso(updated.astype(np.int64), np.zeros(nt, np.int64)),
            "_loaded_at": self.loaded_at(rng, updated, nt),
        }
        self.tickets = (ticket_ids, cust, solved, is_solved, h, prio)
        yield self.table("support", "tickets", cols)

    # ------------------------------------------------------------------ surveys
    def surveys(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("surveys")
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
        score = np.clip(np.round(rng.normal(1.5 + 8.5 * h, 1.6)), 0, 10).astype(np.int64)
        bad = rng.random(nr) < C.FLAW_RATES["nps_invalid_score"]
        score = np.where(bad, rng.choice([-1, 11, 99], nr), score)
        band = np.select([score <= 6, score <= 8], ["detractor", "passive"], "promoter")
        comment = np.empty(nr, dtype=object)
        for b, texts in NPS_COMMENTS.items():
            hit = band == b
            comment[hit] = T.pick(rng, texts, hit.sum())
        comment = T.with_nulls(rng, comment, 0.5)
        j = rng.integers(0, np.maximum(self.n_contacts[who], 1))
        _, _, email = self.person(who, j, rng)
        month_len = w.month_start[mon + 1] - w.month_start[mon]
        sent = (w.month_start[mon] + rng.integers(0, 28, nr) % month_len) * SECONDS_PER_DAY
        submitted = np.minimum(sent + rng.exponential(2 * 86_400, nr), self.as_of_s - 60).astype(np.int64)
        qlabel = np.datetime_as_string(w.month_start[mon].astype("datetime64[D]"), unit="M")
        resp_ids = T.ids("R_", nr, 14, 12, upper=True)
        cols = {
            "response_id": resp_ids,
            "survey_name": T.join("relationship_nps_", qlabel),
            "respondent_email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
            "score": score,
            "comment": comment,
            "submitted_at": nullable_iso(submitted, self.offset[who]),
            "_loaded_at": self.loaded_at(rng, submitted, nr),
        }
        self.identity("surveys", "nps_responses", resp_ids, who, np.full(nr, "customer", dtype=object))
        yield self.table("surveys", "nps_responses", cols)

        ticket_ids, cust, solved, is_solved, h, prio = self.tickets
        pick_ = is_solved & (rng.random(len(ticket_ids)) < 0.35)
        tid, c, s, hh = ticket_ids[pick_], cust[pick_], solved[pick_], h[pick_]
        nc = len(tid)
        rating = np.clip(np.round(rng.normal(1.8 + 3.2 * hh, 0.9)), 1, 5).astype(np.int64)
        j = rng.integers(0, np.maximum(self.n_contacts[c], 1))
        _, _, email = self.person(c, j, rng)
        submitted = np.minimum(s + rng.exponential(86_400, nc), self.as_of_s - 60).astype(np.int64)
        resp_ids = T.ids("CS_", nc, 15, 12, upper=True)
        cols = {
            "response_id": resp_ids,
            "ticket_id": tid,
            "respondent_email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
            "rating": rating,
            "comment": T.pick(rng, CSAT_COMMENTS, nc),
            "submitted_at": nullable_iso(submitted, np.zeros(nc, np.int64)),
            "_loaded_at": self.loaded_at(rng, submitted, nc),
        }
        yield self.table("surveys", "csat_responses", cols)

    # ------------------------------------------------------------------ cs platform
    def cs_platform(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("cs_platform")
        n = w.n
        paying = w.subs["start"][:n] >= 0
        # onboarding sessions in the first weeks after the paid start
        n_onb = np.where(paying, np.select([w.segment == 0, w.segment == 1],
                                           [rng.integers(0, 2, n), rng.integers(2, 4, n)], rng.integers(3, 6, n)), 0)
        o_who = np.repeat(np.arange(n), n_onb)
        o_j = np.arange(len(o_who)) - np.repeat(np.cumsum(n_onb) - n_onb, n_onb)
        o_day = w.paid_start_day[o_who] + o_j * 10 + rng.integers(0, 7, len(o_who))
        # QBRs: enterprise each quarter, mid-market every six months
        q_parts = []
        for m in range(0, w.months):
            due = w.active_by_month[:, m] & (((w.segment == 2) & (m % 3 == 0)) | ((w.segment == 1) & (m % 6 == 0)))
            held = due & (rng.random(n) < 0.4 + 0.5 * w.health[:, m])
            idx = np.flatnonzero(held)
            q_parts.append((idx, w.month_start[m] + rng.integers(0, 28, len(idx))))
        q_who = np.concatenate([p[0] for p in q_parts])
        q_day = np.concatenate([p[1] for p in q_parts])
        # structured check-ins
        c_parts = []
        p_check = w.by_segment(C.CHECK_IN_PER_MONTH)
        for m in range(w.months):
            idx = np.flatnonzero(w.active_by_month[:, m] & (rng.random(n) < p_check))
            c_parts.append((idx, w.month_start[m] + rng.integers(0, 28, len(idx)), np.full(len(idx), m)))
        c_who = np.concatenate([p[0] for p in c_parts])
        c_day = np.concatenate([p[1] for p in c_parts])
        c_mon = np.concatenate([p[2] for p in c_parts])
        who = np.concatenate([o_who, q_who, c_who])
        day = np.concatenate([o_day, q_day, c_day])
        kind = np.concatenate([np.full(len(o_who), "onboarding_session", dtype=object),
                               np.full(len(q_who), "qbr", dtype=object),
                               np.full(len(c_who), "check_in", dtype=object)])
        keep = day < w.as_of
        who, day, kind = who[keep], day[keep], kind[keep]
        na = len(who)
        at = day * SECONDS_PER_DAY + rng.integers(9 * 3600, 18 * 3600, na) - self.offset[who] * 60
        at = np.minimum(at, self.as_of_s - 60)
        act_ids = T.ids("act_", na, 16, 12)
        minutes = np.select([kind == "qbr", kind == "onboarding_session"], [60, 45], 30) + rng.integers(-10, 20, na)
        # check-in content: sentiment and per-axis status follow health, with the CSM's own noise
        ci = np.flatnonzero(kind == "check_in")
        c_mon_k = c_mon[keep[len(o_who) + len(q_who):]]
        hh = w.health[who[ci], c_mon_k]
        sentiment = np.clip(np.round(rng.normal(1 + 4 * hh, 0.7)), 1, 5).astype(np.int64)

        def axis() -> np.ndarray:
            v = hh + rng.normal(0, 0.15, len(ci))
            return AXIS_STATUS[np.digitize(v, [0.35, 0.6])]

        axes = {a: axis() for a in ("adoption", "value_realised", "relationship", "technical_fit")}
        ask = T.pick(rng, ASKS, len(ci))
        notes = np.full(na, None, dtype=object)
        notes[ci] = T.join("Sentiment: ", sentiment.astype(str), "/5 | Adoption: ", axes["adoption"],
                           " | Value: ", axes["value_realised"], " | Relationship: ", axes["relationship"],
                           " | Technical fit: ", axes["technical_fit"], " | Ask: ", ask)
        owner = self.owner[who]
        cols = {
            "id": act_ids,
            "account_id": self.crm_id[who],
            "csm_user_id": owner,
            "activity_type": kind,
            "occurred_at": nullable_iso(at, self.offset[who]),
            "duration_minutes": minutes,
            "notes": notes,
            "_loaded_at": self.loaded_at(rng, at, na),
        }
        yield self.table("cs_platform", "activities", cols)
        cols = {
            "id": T.ids("chk_", len(ci), 17, 12),
            "activity_id": act_ids[ci],
            "account_id": self.crm_id[who[ci]],
            "csm_user_id": owner[ci],
            "checked_in_at": nullable_iso(at[ci], self.offset[who[ci]]),
            "sentiment": sentiment,
            "adoption_status": axes["adoption"],
            "value_realised_status": axes["value_realised"],
            "relationship_status": axes["relationship"],
            "technical_fit_status": axes["technical_fit"],
            "customer_ask": ask,
            "_loaded_at": self.loaded_at(rng, at[ci], len(ci)),
        }
        yield self.table("cs_platform", "check_ins", cols)

    # ------------------------------------------------------------------ community
    def community(self) -> Iterator[RawTable]:
        w, rng = self.w, self.rng("community")
        n = w.n
        mean_h = w.health.mean(axis=1)
        k = np.minimum(self.n_contacts, 10)
        joins = rng.binomial(k, np.clip(0.05 + 0.3 * mean_h, 0, 1))
        who = np.repeat(np.arange(n), joins)
        j = np.arange(len(who)) - np.repeat(np.cumsum(joins) - joins, joins)
        first, last, email = self.person(who, j, rng)
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
                          w.month_start[0] + rng.integers(0, w.as_of - w.month_start[0], nm))
        joined = np.minimum(joined, w.as_of - 1) * SECONDS_PER_DAY + rng.integers(0, 86_400, nm)
        member_ids = np.arange(nm, dtype=np.int64) + 501
        cols = {
            "id": member_ids,
            "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
            "display_name": T.join(first, "_", np.char.upper(np.char.ljust(last.astype(str), 1).astype(str))),
            "joined_at": ts(joined),
            "_loaded_at": self.loaded_at(rng, None, nm),
        }
        self.identity("community", "members", member_ids, who_all,
                      np.where(who_all >= 0, "customer", "unknown"))
        yield self.table("community", "members", cols)

        # posts: healthier members post more; detractors ask more questions
        months_left = np.maximum(1, (self.as_of_s - joined) / (30 * 86_400))
        hm = np.where(who_all >= 0, mean_h[np.maximum(who_all, 0)], 0.5)
        n_posts = rng.poisson(0.15 * months_left * (0.3 + hm))
        p_who = np.repeat(np.arange(nm), n_posts)
        npo = len(p_who)
        posted = joined[p_who] + rng.random(npo) * (self.as_of_s - joined[p_who])
        posted = np.floor(posted)
        ptype = T.pick(rng, ("question", "answer", "idea", "discussion"), npo, p=(0.4, 0.3, 0.15, 0.15))
        cols = {
            "id": np.arange(npo, dtype=np.int64) + 90_001,
            "member_id": member_ids[p_who],
            "post_type": ptype,
            "title": T.join(np.char.capitalize(ptype.astype(str)), ": ",
                            T.pick(rng, [f[1] for f in FEATURES], npo)),
            "posted_at": ts(posted),
            "_loaded_at": self.loaded_at(rng, posted, npo),
        }
        yield self.table("community", "posts", cols)

        # event attendance: a monthly webinar; registrants attend more often when healthy
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
        attended = (rng.random(nr) < 0.3 + 0.5 * hm[r_who]) & (ev_day < w.as_of)
        label = np.datetime_as_string(w.month_start[r_mon].astype("datetime64[D]"), unit="M")
        cols = {
            "id": np.arange(nr, dtype=np.int64) + 700_001,
            "member_id": member_ids[r_who],
            "event_name": T.join("Lumen Live ", label),
            "event_date": dates(ev_day),
            "registered_at": ts(registered),
            "attended": attended,
            "_loaded_at": self.loaded_at(rng, ev_day * SECONDS_PER_DAY, nr),
        }
        yield self.table("community", "event_attendance", cols)

    # ------------------------------------------------------------------ truth
    def truth(self) -> dict[str, pa.Table]:
        w = self.w
        n = w.n
        key = T.join("C", np.char.zfill(np.arange(n).astype(str), 7))
        reacts = np.bincount(w.subs["customer"], minlength=n) - 1
        customers = pa.table({
            "customer_key": strs(key),
            "crm_account_id": strs(self.crm_id),
            "billing_customer_id": strs(self.billing_id),
            "workspace_id": strs(self.workspace_id),
            "segment": strs(np.array(C.SEGMENTS)[w.segment].astype(object)),
            "currency": strs(self.currency_code),
            "signup_date": dates(w.signup_day),
            "had_trial": pa.array(w.has_trial),
            "converted": pa.array(w.converts),
            "paid_start_date": dates(np.where(w.converts, w.paid_start_day, -1)),
            "reactivations": pa.array(np.maximum(reacts, 0)),
            "true_churn_date": dates(self.true_churn_day),
            "is_churned": pa.array(self.true_churn_day >= 0),
        })
        ci, mi = np.meshgrid(np.arange(n), np.arange(w.months), indexing="ij")
        health = pa.table({
            "customer_key": strs(key[ci.ravel()]),
            "month_start": dates(w.month_start[mi.ravel()]),
            "latent_health": pa.array(w.health.ravel()),
            "monthly_churn_hazard": pa.array(w.hazard.ravel()),
            "is_paying": pa.array((w.active_by_month & ~w.paused_by_month).ravel()),
            "is_paused": pa.array(w.paused_by_month.ravel()),
            "seats": pa.array(w.seats_by_month.ravel()),
        })
        churn = pa.table({
            "customer_key": strs(key[w.churns["customer"]]),
            "churn_date": dates(w.churns["day"]),
            "churn_kind": strs(w.churns["kind"].astype(object)),
        })
        identity = pa.concat_tables(self.truth_identity)
        return {"customers": customers, "health_monthly": health, "churn_events": churn,
                "identity_map": identity}
