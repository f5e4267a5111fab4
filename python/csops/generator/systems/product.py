"""Product analytics (Pendo/Heap-like usage syncs): workspaces, users, the feature catalogue and the events.

Each customer has a main workspace whose users are its seat holders (the same people as its CRM
contacts); some enterprise customers have a second one, and some prospects a free one. Events
follow the customer's seats and latent health day by day while a subscription or trial runs: each
active user (seats x a utilisation that follows health) has Scale.events_per_user_day event rows a
weekday at health 0.7, a quarter of that at weekends; the healthier the customer, the more advanced
features it uses. A row is one session's use of one feature and says how many events it was
(event_count, EVENTS_PER_ROW on average): tens of events per active user and month, in a tenth of
the rows one row per event would take. Events are generated and written in chunks of customers
(Scale.customers_per_chunk), each chunk with its own random streams.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from .. import config as C
from .. import text as T
from ..export import ChunkedTable, Export, RawTable
from ..helpers import SECONDS_PER_DAY, add_months, dates, ts

SYSTEM = "product"
TABLES = ("workspaces", "users", "features", "events")
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
# A row is one session's use of one feature, as product analytics syncs deliver usage (Pendo's and
# Heap's usage exports: a row per visitor, feature and hour or session, with the number of events);
# event_count is that number: geometric, mean EVENTS_PER_ROW, independent of health (health drives
# how many sessions there are and which features they use).
EVENTS_PER_ROW = 9.0


def emit(ctx: Export) -> Iterator[RawTable | ChunkedTable]:
    """workspaces, users and features from the system's one stream, then the events in chunks of customers."""
    rng = ctx.rng(SYSTEM)
    yield _workspaces(ctx, rng)
    yield _users(ctx, rng)
    yield _features(ctx, rng)
    yield ChunkedTable(SYSTEM, "events", _events(ctx))


def _workspaces(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Each customer's main workspace, a second one for a quarter of enterprise customers, free ones for
    some prospects, and the internal test workspaces."""
    w, e = ctx.w, ctx.entities
    n = w.n
    assert ctx.crm is not None, "the crm system runs first"
    second = np.flatnonzero((w.segment == 2) & (rng.random(n) < 0.25))
    n_test = len(ctx.crm.test_ids)
    pros = np.flatnonzero(rng.random(len(ctx.crm.prospect_ids)) < 0.2)
    ws_ids = np.concatenate([e.workspace_id, T.ids("ws_", len(second) + len(pros) + n_test, 13, 10)])
    owner = np.concatenate([np.arange(n), second, np.full(len(pros) + n_test, -1)])
    kind = np.concatenate([np.full(n + len(second), "customer", dtype=object),
                           np.full(len(pros), "prospect", dtype=object),
                           np.full(n_test, "internal", dtype=object)])
    dom = np.concatenate([e.domain, e.domain[second], ctx.crm.prospect_domain[pros],
                          np.full(n_test, C.INTERNAL_DOMAIN, dtype=object)])
    name = np.concatenate([e.slug, T.join(e.slug[second], "-team2"),
                           np.char.replace(ctx.crm.prospect_domain[pros].astype(str), ".com", ""),
                           T.join("lumen-test-", np.arange(n_test).astype(str))])
    nw = len(ws_ids)
    pros_day = np.concatenate([np.zeros(n + len(second), np.int64), ctx.crm.prospect_created[pros],
                               w.month_start[0] + rng.integers(0, 300, n_test)])
    created = np.where(owner >= 0, w.signup_day[np.maximum(owner, 0)] * SECONDS_PER_DAY,
                       (pros_day + rng.integers(1, 60, nw)) * SECONDS_PER_DAY) + rng.integers(0, 86_400, nw)
    created = np.where((np.arange(nw) >= n) & (owner >= 0), created + 86_400 * 30, created)
    # workspaces of customers who churned for good are sometimes deleted a while later: a second version
    gone = np.where(owner >= 0, e.true_churn_day[np.maximum(owner, 0)], -1)
    deleted = (gone >= 0) & (rng.random(nw) < 0.2)
    deleted_at = np.where(deleted, (gone + rng.integers(30, 90, nw)) * SECONDS_PER_DAY, -1)
    deleted_at = np.where(deleted_at > created, deleted_at, -1)
    domain = T.with_nulls(rng, T.messy_domain(rng, dom, C.FLAW_RATES["messy_domain"]),
                          C.FLAW_RATES["workspace_missing_domain"])
    rec = np.repeat(np.arange(nw), 1 + (deleted_at >= 0))
    second = np.append(False, rec[1:] == rec[:-1])
    changed = np.where(second, deleted_at[rec], created[rec])
    cols = {
        "workspace_id": ws_ids[rec],
        "workspace_name": name[rec],
        "domain": domain[rec],
        "created_at": ts(created[rec]),
        "deleted_at": ts(np.where(second, deleted_at[rec], -1)),
        "_loaded_at": ctx.loaded_at(rng, changed),
    }
    ctx.identity("product", "workspaces", ws_ids, np.where(kind == "customer", owner, -1), kind)
    return ctx.table("product", "workspaces", cols, record=rec, changed=changed)


def _users(ctx: Export, rng: np.random.Generator) -> RawTable:
    """Users of the main workspace of each customer (seat holders first, the same people as the contacts)."""
    w, e = ctx.w, ctx.entities
    n = w.n
    cust = np.repeat(np.arange(n), e.n_users)
    j = np.arange(len(cust)) - np.repeat(e.first_user - e.first_user[0], e.n_users)
    _, _, email = ctx.person(cust, j, rng)
    nu = len(cust)
    created = w.signup_day[cust] * SECONDS_PER_DAY + np.sqrt(j) * 86_400 * 20 + rng.integers(0, 86_400, nu)
    cols = {
        "id": np.arange(nu, dtype=np.int64) + e.first_user[0] if nu else np.zeros(0, np.int64),
        "workspace_id": e.workspace_id[cust],
        "email": T.messy_email(rng, email, C.FLAW_RATES["messy_email"]),
        "role": np.where(j < 2, "admin", "member"),
        "created_at": ts(created),
        "_loaded_at": ctx.loaded_at(rng, created),
    }
    return ctx.table("product", "users", cols, refs=[("product", "workspaces", cols["workspace_id"])])


def _features(ctx: Export, rng: np.random.Generator) -> RawTable:
    """The feature catalogue (never re-synced); some features are released during the window."""
    start = ctx.w.month_start[0]
    released = add_months(np.full(len(FEATURES), start), np.array([f[4] for f in FEATURES]))
    cols = {
        "feature_key": np.asarray([f[0] for f in FEATURES], dtype=object),
        "feature_name": np.asarray([f[1] for f in FEATURES], dtype=object),
        "category": np.asarray([f[2] for f in FEATURES], dtype=object),
        "is_core": np.asarray([f[3] for f in FEATURES]),
        "released_on": dates(released),
        # a feature is in the catalogue from its release (the first ones from the day before the window)
        "_loaded_at": ctx.loaded_at(rng, (np.maximum(released, start) - 1) * SECONDS_PER_DAY),
    }
    return ctx.table("product", "features", cols, dup_rate=0)


def _events(ctx: Export) -> Iterator[tuple[pa.Table, int]]:
    """The event table in chunks of customers (each chunk its own seeded stream), with the number of
    customers each chunk covers."""
    w, e = ctx.w, ctx.entities
    n, n_days = w.n, int(w.horizon - w.month_start[0])
    day_num = w.month_start[0] + np.arange(n_days)
    month_of_day = np.searchsorted(w.month_start, day_num, side="right") - 1
    weekday = (day_num + 3) % 7  # 0 = Monday
    day_factor = np.where(weekday >= 5, 0.25, 1.0)
    release = np.array([add_months(np.array([w.month_start[0]]), f[4])[0] for f in FEATURES])
    core = np.array([f[3] for f in FEATURES])
    core_keys, adv_keys = np.flatnonzero(core), np.flatnonzero(~core)
    core_cdf = np.cumsum(CORE_WEIGHTS) / CORE_WEIGHTS.sum()
    event_names = pa.array([f[0] for f in FEATURES])
    seats_eff = np.where(w.seats_by_month > 0, w.seats_by_month, e.seats0[:, None])
    s = w.subs
    run_end = np.where(s["ended"] >= 0, s["ended"], w.horizon)
    step = w.scale.customers_per_chunk
    ws_ids, ws_first = ctx.first_loaded[("product", "workspaces")]
    ws_loaded = ws_first[np.searchsorted(ws_ids, e.workspace_id.astype(ws_ids.dtype))]
    user_ids, user_loaded = ctx.first_loaded[("product", "users")]
    user_base = e.first_user[0] if n else 0
    assert len(user_ids) == 0 or (user_ids[0] == user_base and len(user_ids) == user_ids[-1] - user_base + 1)

    def one_chunk(chunk: int, lo: int, hi: int, next_id: int) -> tuple[pa.Table, int]:
        """The events of customers lo..hi-1 with ids from next_id, and how many ids it used. A function
        of its own, so that its per-event arrays are freed when it returns instead of being kept while
        the generator waits at its yield (on `medium`, 2 GB held through the next chunk)."""
        rng = ctx.rng(f"events:{chunk}")
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
        # each active user's events: the more active users, the more events (no economy of scale)
        lam = (w.scale.events_per_user_day * au_day * (0.3 + h) * day_factor[None, :])
        counts = rng.poisson(lam * alive)
        flat = counts.ravel()
        nz = np.flatnonzero(flat)
        rep = flat[nz]
        cust_l = np.repeat(nz // n_days, rep)
        day_i = np.repeat(nz % n_days, rep)
        m = len(cust_l)
        cust_g = cust_l + lo
        # the users invited by that day (user j joins about 20 * sqrt(j) days after signup; see _users)
        since = np.maximum(day_num[day_i] - w.signup_day[cust_g] - 1, 0)
        invited = np.floor((since / 20.0) ** 2).astype(np.int64) + 1
        user = e.first_user[cust_g] + np.floor(rng.random(m) * np.minimum(au_day[cust_l, day_i], invited)
                                               ).astype(np.int64)
        local_hour = np.clip(rng.normal(13.5, 3.0, m), 0, 23.99)
        sec = np.mod(local_hour * 3600 - e.offset[cust_g] * 60, 86_400)
        occurred = (day_num[day_i] * SECONDS_PER_DAY + sec).astype(np.float64)
        occurred = np.floor(occurred * 1000) / 1000
        # feature choice: healthier customers use more of the advanced features
        adv = rng.random(m) < (0.05 + 0.35 * h[cust_l, day_i])
        u = rng.random(m)  # one draw picks the feature within either group
        feat = np.where(adv, adv_keys[np.minimum((u * len(adv_keys)).astype(np.int64), len(adv_keys) - 1)],
                        core_keys[np.minimum(np.searchsorted(core_cdf, u, side="right"), len(core_keys) - 1)])
        feat = np.where(release[feat] > day_num[day_i], core_keys[0], feat)
        late = rng.random(m) < C.FLAW_RATES["late_event"]
        u = rng.random(m)
        lag = np.where(late, 3_600 + u * (71 * 3_600), 0.2 + u * 59.8)
        received = occurred + lag
        # an event is never loaded before its workspace and user
        loaded = np.maximum(received + rng.uniform(0, 900, m),
                            np.maximum(ws_loaded[cust_g], user_loaded[user - user_base]) + 1)
        ids_ = np.arange(next_id, next_id + m, dtype=np.int64)
        # how many times the feature was used in the row's session: a stream of its own, so the
        # other columns are what they were before the column existed
        events_in_row = ctx.rng(f"event_counts:{chunk}").geometric(1 / EVENTS_PER_ROW, m).astype(np.int16)
        cols = {
            "event_id": ids_, "workspace_id_i": cust_g, "user_id": user, "event_i": feat,
            "event_count": events_in_row, "occurred_at": occurred, "received_at": received, "_loaded_at": loaded,
        }
        cols = ctx.resync(rng, cols, C.FLAW_RATES["event_resync_duplicate"])
        # late data that has not arrived yet is not in the export
        order = np.flatnonzero(cols["_loaded_at"] < ctx.as_of_s)
        order = order[np.argsort(cols["_loaded_at"][order], kind="stable")]
        return pa.table({
            "event_id": pa.array(cols["event_id"][order]),
            "workspace_id": pa.DictionaryArray.from_arrays(
                pa.array(cols["workspace_id_i"][order] - lo, type=pa.int32()),
                pa.array(e.workspace_id[lo:hi].astype(str))),
            "user_id": pa.array(cols["user_id"][order]),
            "event_name": pa.DictionaryArray.from_arrays(pa.array(cols["event_i"][order].astype(np.int32)),
                                                         event_names),
            "event_count": pa.array(cols["event_count"][order]),
            "occurred_at": ts(cols["occurred_at"][order]),
            "received_at": ts(cols["received_at"][order]),
            "_loaded_at": ts(cols["_loaded_at"][order]),
        }), m

    next_id = 1
    for chunk, lo in enumerate(range(0, n, step)):
        hi = min(n, lo + step)
        table, ids_used = one_chunk(chunk, lo, hi, next_id)
        next_id += ids_used
        yield table, round(w.scale.customers * hi / n) - round(w.scale.customers * lo / n)
