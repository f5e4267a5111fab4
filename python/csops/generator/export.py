"""What every source system's export is built from, and the shape of what it yields.

`Export` holds the simulated world, the entities, the seeded streams and the rules all exports share
(when the EL tool loaded a row, re-synced duplicate rows, the people at a customer, the cut at the
as-of date); it collects the
identity ground truth each system records and carries what an earlier system publishes for a later one
(the CRM's accounts for billing, product and support; support's tickets for the CSAT survey).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from . import config as C
from . import text as T
from .entities import draw_entities
from .helpers import SECONDS_PER_DAY, rng_stream, strs, ts
from .world import World

if TYPE_CHECKING:
    from .systems.crm import CrmAccounts
    from .systems.support import Tickets


# The tables other tables refer to: Export.table notes when each of their records was first loaded.
REFERENCED = {("crm", "accounts"), ("crm", "users"), ("billing", "customers"), ("billing", "plans"),
              ("billing", "subscriptions"), ("billing", "invoices"), ("product", "workspaces"),
              ("product", "users"), ("support", "organizations"), ("support", "tickets"),
              ("cs_platform", "activities"), ("community", "members")}


@dataclass
class RawTable:
    """One raw table of one system, built whole."""

    system: str
    name: str
    table: pa.Table


@dataclass
class ChunkedTable:
    """A raw table too large to build at once: `chunks` yields (part of the table, customers it covers)."""

    system: str
    name: str
    chunks: Iterator[tuple[pa.Table, int]]


class Export:
    """The context each system's `emit` builds its tables from. Systems run in a fixed order."""

    def __init__(self, world: World, seed: int, as_of: int) -> None:
        self.w = world
        self.seed = seed
        self.as_of = as_of  # day number of the export: nothing loaded on or after it is written
        self.as_of_s = as_of * SECONDS_PER_DAY
        self.horizon_s = world.horizon * SECONDS_PER_DAY
        self.present: dict[tuple[str, str], pa.Array] = {}  # the ids each written table holds (for the truth)
        # when each record of a table other tables refer to was first loaded (sorted ids, epoch seconds)
        self.first_loaded: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.truth_identity: list[pa.Table] = []
        self.entities = draw_entities(world, self.rng("entities"))
        self.crm: CrmAccounts | None = None  # published by systems.crm
        self.tickets: Tickets | None = None  # published by systems.support

    def rng(self, name: str) -> np.random.Generator:
        return rng_stream(self.seed, name)

    def person(self, who: np.ndarray, j: np.ndarray, rng: np.random.Generator,
               domain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first, last, email) of the j-th person at customer `who`; some use personal mailboxes."""
        e = self.entities
        first, last = T.person_names(e.person_start[who], j)
        dom = e.domain[who] if domain is None else domain
        personal = rng.random(len(who)) < C.FLAW_RATES["personal_email"]
        dom = np.where(personal, T.pick(rng, T.PERSONAL_DOMAINS, len(who)), dom)
        local = np.where(personal, T.join(first, last, (j % 97).astype(str)), T.join(first, ".", last))
        return first, last, T.join(local, "@", dom)

    def loaded_at(self, rng: np.random.Generator, event_s: np.ndarray) -> np.ndarray:
        """When the EL tool loaded a row: shortly after it changed (at `event_s`), never before."""
        lag = rng.exponential(3 * 3_600, len(event_s)) + 300
        return np.asarray(event_s, dtype=np.float64) + lag

    def resync(self, rng: np.random.Generator, cols: dict[str, np.ndarray | pa.Array], rate: float,
               loaded_key: str = "_loaded_at", until: np.ndarray | None = None) -> dict:
        """Append a re-synced copy of some rows, identical but for a later _loaded_at: within
        C.RESYNC_MAX_DAYS of the original load and before `until` (the load of the record's next
        version, so a re-sent row is always the record's state at the time it is sent)."""
        first = next(iter(cols.values()))
        n = len(first)
        draw = rng.random(n) < rate
        u = rng.uniform(0.02, 1.0, n)
        loaded = np.asarray(cols[loaded_key], dtype=np.float64)
        room = np.full(n, C.RESYNC_MAX_DAYS * 86_400.0) if until is None else np.minimum(
            C.RESYNC_MAX_DAYS * 86_400.0, until - loaded - 1)
        dup = np.flatnonzero(draw & (room > 2))
        later = loaded[dup] + np.maximum(1.0, room[dup] * u[dup])
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

    def after_load_of(self, system: str, table: str, ref: np.ndarray, loaded: np.ndarray) -> np.ndarray:
        """`loaded`, moved after the first load of the record of `system.table` each row refers to (`ref`,
        None for no reference): a row never arrives before what it refers to, so any cut of the raw data
        keeps its references whole."""
        ids, first = self.first_loaded[(system, table)]
        ref = np.asarray(ref)
        has = np.array([r is not None for r in ref], bool) if ref.dtype == object else np.ones(len(ref), bool)
        key = ref[has].astype(ids.dtype) if len(ids) else ref[has]
        at = np.clip(np.searchsorted(ids, key), 0, max(len(ids) - 1, 0))
        found = np.zeros(len(ref), bool)
        floor = np.full(len(ref), -np.inf)
        if len(ids):
            hit = ids[at] == key
            found[np.flatnonzero(has)[hit]] = True
            floor[np.flatnonzero(has)[hit]] = first[at[hit]] + 1.0
        return np.maximum(np.asarray(loaded, dtype=np.float64), floor)

    def table(self, system: str, name: str, cols: dict, dup_rate: float | None = None,
              record: np.ndarray | None = None, changed: np.ndarray | None = None,
              refs: list[tuple[str, str, np.ndarray]] = (), appended: dict | None = None,
              appended_refs: list[tuple[str, str, np.ndarray]] = ()) -> RawTable:
        """The raw table from its columns (numpy or Arrow) over the whole simulated calendar, cut at the
        as-of date (rows loaded on or after it are not written), with re-synced duplicates at `dup_rate`
        (default: the resync_duplicate flaw rate) drawn from the table's own stream.

        A mutable table is a version log: `record` (sorted, one value per record) and `changed` (when
        the version's state began, epoch seconds, ascending within a record) per row. A version the
        next change superseded before the EL tool loaded it is never seen, so it is dropped. `refs`
        (system, table, the id each row refers to) delay a row's load until what it refers to is loaded.
        `appended` (an immutable table's rows added by a later feature, with `appended_refs`) come after
        the rest and draw their re-syncs from a stream of their own, so the other rows stay as they were."""
        rng = self.rng(f"resync:{system}.{name}")
        if refs:
            cols = dict(cols)
            for ref_system, ref_table, ref in refs:
                cols["_loaded_at"] = self.after_load_of(ref_system, ref_table, ref, cols["_loaded_at"])
        if appended is not None:
            assert record is None and list(appended) == list(cols), "appended rows: an immutable table's columns"
            appended = dict(appended)
            for ref_system, ref_table, ref in appended_refs:
                appended["_loaded_at"] = self.after_load_of(ref_system, ref_table, ref, appended["_loaded_at"])
        if dup_rate is None:
            dup_rate = C.FLAW_RATES["resync_duplicate"]
        until = None
        if record is not None:
            assert changed is not None
            loaded = np.asarray(cols["_loaded_at"], dtype=np.float64)
            same_next = np.append(record[1:] == record[:-1], False)
            next_changed = np.append(np.asarray(changed, dtype=np.float64)[1:], np.inf)
            keep = ~same_next | (loaded < next_changed)
            cols = _take(cols, np.flatnonzero(keep))
            record = record[keep]
            loaded = loaded[keep]
            same_next = np.append(record[1:] == record[:-1], False)
            until = np.where(same_next, np.append(loaded[1:], np.inf), np.inf)
        if dup_rate:
            cols = self.resync(rng, cols, dup_rate, until=until)
        if appended is not None:
            if dup_rate:
                appended = self.resync(self.rng(f"resync:{system}.{name}:appended"), appended, dup_rate)
            cols = {k: np.concatenate([np.asarray(v), np.asarray(appended[k])]) for k, v in cols.items()}
        if (system, name) in REFERENCED:
            ids = np.asarray(next(iter(cols.values())).to_numpy(zero_copy_only=False)
                             if isinstance(next(iter(cols.values())), pa.Array) else next(iter(cols.values())))
            ids = ids.astype(str) if ids.dtype == object else ids
            uniq, inv = np.unique(ids, return_inverse=True)
            first = np.full(len(uniq), np.inf)
            np.minimum.at(first, inv, np.asarray(cols["_loaded_at"], dtype=np.float64))
            self.first_loaded[(system, name)] = (uniq, first)
        cols = _take(cols, np.flatnonzero(np.asarray(cols["_loaded_at"], dtype=np.float64) < self.as_of_s))
        arrays = {}
        for k, v in cols.items():
            if k == "_loaded_at":
                arrays[k] = ts(v)
            elif isinstance(v, pa.Array):
                arrays[k] = v
            else:
                v = np.asarray(v)
                arrays[k] = strs(v) if v.dtype == object or v.dtype.kind == "U" else pa.array(v)
        t = pa.table(arrays)
        self.present[(system, name)] = t.column(0).combine_chunks().cast(pa.string()).unique()
        return RawTable(system, name, t)

    def identity(self, system: str, table: str, source_ids, customer: np.ndarray, kind: np.ndarray) -> None:
        """Record which true customer (-1: none) each source record belongs to, for truth/identity_map."""
        key = np.where(customer >= 0, T.join("C", np.char.zfill(np.maximum(customer, 0).astype(str), 7)),
                       None).astype(object)
        self.truth_identity.append(pa.table({
            "system": strs(np.full(len(customer), system, dtype=object)),
            "source_table": strs(np.full(len(customer), table, dtype=object)),
            "source_id": strs(np.asarray(source_ids).astype(str).astype(object)),
            "customer_key": strs(key),
            "entity_kind": strs(np.asarray(kind, dtype=object)),
        }))


def _take(cols: dict, idx: np.ndarray) -> dict:
    """The rows `idx` of every column (numpy or Arrow)."""
    out = {}
    for k, v in cols.items():
        out[k] = v.take(pa.array(idx, type=pa.int64())) if isinstance(v, pa.Array) else np.asarray(v)[idx]
    return out


def versions(record_days: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The (record, day) pairs of a version log from the change days of each kind, sorted by record
    then day, one per record and day (days < 0 are no change)."""
    rec = np.concatenate([np.asarray(r, np.int64) for r, _ in record_days])
    day = np.concatenate([np.asarray(d, np.int64) for _, d in record_days])
    ok = day >= 0
    key = np.unique(rec[ok] * 1_000_000 + day[ok])
    return key // 1_000_000, key % 1_000_000


def drop_repeats(record: np.ndarray, state: list[np.ndarray]) -> np.ndarray:
    """Indices of the versions whose state differs from the record's previous version."""
    n = len(record)
    same = np.zeros(n, bool)
    if n > 1:
        same[1:] = record[1:] == record[:-1]
        for col in state:
            c = np.asarray(col)
            eq = np.zeros(n, bool)
            eq[1:] = (c[1:] == c[:-1]) | (_isnull(c[1:]) & _isnull(c[:-1]))
            same &= eq
    return np.flatnonzero(~same)


def _isnull(c: np.ndarray) -> np.ndarray:
    if c.dtype == object:
        return np.array([v is None for v in c], bool) if len(c) else np.zeros(0, bool)
    return np.zeros(len(c), bool)
