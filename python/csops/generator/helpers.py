"""Helpers every part of the generator shares: seeded random streams, day arithmetic, chunked
columns and the conversion of numpy columns to Arrow (timestamps, dates, strings).

Dates are int64 day numbers (days since 1970-01-01) and times are epoch seconds throughout;
a negative value stands for null where a column may be null.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

from . import config as C
from . import text as T

SECONDS_PER_DAY = 86_400


def rng_stream(seed: int, name: str) -> np.random.Generator:
    """The random stream called `name`: independent of every other stream, so adding draws to one
    table never changes another."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Add whole months to day numbers, keeping the day of month (callers keep it <= 28)."""
    d = np.asarray(days).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    return ((m + np.asarray(months)).astype("datetime64[D]").astype(np.int64) + dom).astype(np.int64)


def per_segment(segment: np.ndarray, table: dict) -> np.ndarray:
    """A per-segment parameter (a config table keyed by segment name) for every customer."""
    return np.array([table[s] for s in C.SEGMENTS])[segment]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class Rows:
    """Columns collected in chunks and concatenated once."""

    def __init__(self, *names: str) -> None:
        self._parts: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def add(self, **cols: np.ndarray) -> None:
        n = {len(np.atleast_1d(v)) for v in cols.values()}
        assert len(n) == 1, f"ragged chunk: {n}"
        assert set(cols) == set(self._parts), f"columns {set(cols) ^ set(self._parts)}"
        for k, v in cols.items():
            self._parts[k].append(np.atleast_1d(v))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: (np.concatenate(v) if v else np.array([])) for k, v in self._parts.items()}


def ts(seconds: np.ndarray) -> pa.Array:
    """UTC timestamps (ms) from epoch seconds (float or int); negative means null."""
    s = np.asarray(seconds, dtype=np.float64)
    ms = np.round(s * 1000).astype(np.int64)
    return pa.array(ms, type=pa.timestamp("ms"), mask=s < 0)


def epoch(seconds: np.ndarray) -> pa.Array:
    """Stripe-style integer epoch seconds; negative means null."""
    s = np.asarray(seconds, dtype=np.int64)
    return pa.array(s, type=pa.int64(), mask=s < 0)


def dates(days: np.ndarray) -> pa.Array:
    """Dates from day numbers; negative means null."""
    d = np.asarray(days, dtype=np.int64)
    return pa.array(d.astype(np.int32), type=pa.date32(), mask=d < 0)


def strs(values: np.ndarray) -> pa.Array:
    """A string column from any array of str (or None)."""
    return pa.array(np.asarray(values, dtype=object), type=pa.string())


def nullable_iso(seconds: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """ISO 8601 local times with their UTC offset (minutes), as some exports write them; negative means null."""
    s = np.asarray(seconds, dtype=np.int64)
    out = T.iso_with_offset(np.maximum(s, 0), offsets).astype(object)
    out[s < 0] = None
    return strs(out)
