"""What every source system's export is built from, and the shape of what it yields.

`Export` holds the simulated world, the entities, the seeded streams and the rules all exports share
(when the EL tool loaded a row, re-synced duplicate rows, the people at a customer); it collects the
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

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.seed = seed
        self.as_of_s = world.as_of * SECONDS_PER_DAY
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
        """The raw table from its columns (numpy or Arrow), with re-synced duplicates at `dup_rate`
        (default: the resync_duplicate flaw rate) drawn from the table's own stream."""
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
