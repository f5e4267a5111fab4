"""Deterministic demo data for every source system of the CS Ops warehouse.

`generate()` writes every raw table as an EL tool's daily syncs deliver it: a folder
`<out>/<system>/<table>/loaded_date=YYYY-MM-DD/part-<k>.parquet` with one partition per sync day that
loaded rows (k numbers the chunks of the product events, 0 otherwise); a `_manifest.json` with the
row counts, and the hidden ground truth under a separate folder.

The simulated world is the same for every as-of date (the scale's calendar, up to a fixed horizon);
the as-of date only says when the export happens. So the same scale and seed with a later as-of
rewrites every earlier partition byte for byte and only adds new ones.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CsopsError
from . import config
from .config import DEFAULT_AS_OF, HORIZON_MONTHS, SCALES
from .export import ChunkedTable, Export
from .helpers import SECONDS_PER_DAY
from .simulation import simulate
from .systems import MODULES
from .truth import TRUTH_FILES as TRUTH_FILES
from .truth import truth_readme, truth_tables

SYSTEMS = tuple(m.SYSTEM for m in MODULES)
TABLES = {m.SYSTEM: m.TABLES for m in MODULES}
N_TABLES = sum(len(t) for t in TABLES.values())


class GenerateError(CsopsError):
    """A bad argument or an unusable output folder, said in one line."""


def _write(table: pa.Table, path: Path) -> None:
    # a table with dictionary columns (the product events) dictionary-encodes only those: its ids and
    # times are unique, and encoding them costs a third of the time for nothing
    dict_cols = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000, use_dictionary=dict_cols or True)


EMPTY_PART = "_empty.parquet"  # a table with no row loaded before the as-of date keeps its columns here
# Product events are generated in chunks of customers; this many customers' chunks make one part file
# per day (fewer, larger files; the grouping depends only on the scale, never on the as-of date).
EVENTS_CUSTOMERS_PER_PART = 20_000


class _Writer:
    """Writes partition files on a few threads (creating thousands of small files is I/O bound)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="csops-write")
        self.pending: list[Future] = []

    def write(self, table: pa.Table, path: Path) -> None:
        self.pending.append(self.pool.submit(_write, table, path))

    def wait(self) -> None:
        pending, self.pending = self.pending, []
        for f in pending:
            f.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _write_partitions(writer: _Writer, table: pa.Table, folder: Path, part: int = 0) -> int:
    """Write the rows into one partition per load day, `loaded_date=YYYY-MM-DD/part-<part>.parquet`,
    in load order (ties in the order given); return the number of files written."""
    loaded = table.column("_loaded_at").cast(pa.int64()).to_numpy()
    order = np.argsort(loaded, kind="stable")
    day = loaded[order] // (SECONDS_PER_DAY * 1000)
    bounds = np.flatnonzero(np.diff(day)) + 1
    starts = np.concatenate([[0], bounds]) if len(day) else np.zeros(0, np.int64)
    ends = np.concatenate([bounds, [len(day)]]) if len(day) else np.zeros(0, np.int64)
    # each day's rows taken on their own, not a sorted copy of the whole table: on `large` the
    # events of one part are tens of millions of rows, and a second copy of them was the peak
    for lo, hi in zip(starts, ends, strict=True):
        label = str(np.datetime64(int(day[lo]), "D"))
        target = folder / f"loaded_date={label}"
        target.mkdir(parents=True, exist_ok=True)
        writer.write(table.take(pa.array(order[lo:hi], type=pa.int64())), target / f"part-{part}.parquet")
    writer.wait()
    return len(starts)


def _write_table(writer: _Writer, table: pa.Table, folder: Path) -> int:
    folder.mkdir(parents=True)
    files = _write_partitions(writer, table, folder)
    if not files:
        _write(table, folder / EMPTY_PART)
        files = 1
    return files


def _write_chunks(writer: _Writer, rt: ChunkedTable, folder: Path, chunks_per_part: int,
                  on_chunk: Callable[[int], None]) -> tuple[int, int]:
    """Write a chunked table: chunks k * chunks_per_part ... (k + 1) * chunks_per_part - 1 make part-<k>
    of each of their load days (`on_chunk(customers)` after each chunk); return its row count and files."""
    folder.mkdir(parents=True)
    rows = files = 0
    schema = None
    buffer: list[pa.Table] = []

    def flush(part: int) -> int:
        # one column at a time, each column's chunks released as soon as it is combined: never a
        # second copy of the whole buffer (on `large`, tens of millions of events)
        table = pa.concat_tables(buffer).unify_dictionaries()
        buffer.clear()
        schema, arrays = table.schema, []
        for name in schema.names:
            arrays.append(table.column(name).combine_chunks())
            table = table.drop_columns([name])
        return _write_partitions(writer, pa.Table.from_arrays(arrays, schema=schema), folder, part)

    k = -1
    for k, (chunk, customers) in enumerate(rt.chunks):
        schema = chunk.schema
        buffer.append(chunk)
        rows += chunk.num_rows
        if (k + 1) % chunks_per_part == 0:
            files += flush(k // chunks_per_part)
        on_chunk(customers)
    if buffer:
        files += flush(k // chunks_per_part)
    if not files and schema is not None:
        _write(schema.empty_table(), folder / EMPTY_PART)
        files = 1
    return rows, files


MANIFEST = "_manifest.json"
WRITTEN_BY = "csops generate"
_LEGACY_TRUTH_README = "# Ground truth (never read by any dbt model)"


def written_by_generate(folder: Path) -> bool:
    """True when `folder` holds a _manifest.json csops generate wrote (or, for a truth folder written
    before truth folders had one, its README)."""
    manifest = folder / MANIFEST
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict):
        # manifests written before "written_by" existed still have these keys
        return data.get("written_by") == WRITTEN_BY or {"scale", "seed", "row_counts"} <= set(data)
    readme = folder / "README.md"
    return readme.is_file() and readme.read_text().startswith(_LEGACY_TRUTH_README)


def check_ours(folder: Path, what: str) -> None:
    """Refuse to write into an existing, non-empty folder csops generate did not create (it replaces files)."""
    if not folder.is_dir():
        return
    contents = [p for p in folder.iterdir() if not p.name.startswith(".csops-generate-")]
    if contents and not written_by_generate(folder):
        raise GenerateError(f"the {what} folder {folder} is not empty and was not written by csops generate "
                            f"(no {MANIFEST}); choose another folder, or pass --force to replace its contents")


def _check_dir(path: Path, what: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".probe", delete=True)
        probe.close()
    except OSError as e:
        raise GenerateError(f"cannot write the {what} folder {path}: {e.strerror or e}; "
                            f"choose a folder you can write to") from e


def as_of_range(scale: str) -> tuple[str, str]:
    """The first and last as-of date a scale accepts: from a month after its calendar starts (one
    month of history) to the horizon."""
    start = np.datetime64(DEFAULT_AS_OF, "M") - SCALES[scale].months
    first = (start + 1).astype("datetime64[D]") + 1
    last = (np.datetime64(DEFAULT_AS_OF, "M") + HORIZON_MONTHS).astype("datetime64[D]")
    return str(first), str(last)


def validate_as_of(as_of: str, scale: str = "tiny") -> str:
    try:
        d = np.datetime64(as_of, "D")
    except ValueError as e:
        raise GenerateError(f"--as-of {as_of!r} is not a date; use YYYY-MM-DD") from e
    first, last = as_of_range(scale)
    if not np.datetime64(first) <= d <= np.datetime64(last):
        raise GenerateError(f"--as-of {d} is outside the {scale} data's calendar; choose a date from {first} "
                            f"to {last} (the simulated months run to the horizon {last})")
    return str(d)


def validate_arguments(scale: str, seed: int, as_of: str) -> str:
    """Check scale, seed and as-of date (GenerateError naming the bad one); return the as-of date."""
    if scale not in SCALES:
        raise GenerateError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if seed < 0:
        raise GenerateError(f"--seed must be a non-negative integer, got {seed}")
    return validate_as_of(as_of, scale)


def generate(scale: str, seed: int, out: str | os.PathLike, truth_out: str | os.PathLike | None = None,
             as_of: str = DEFAULT_AS_OF, progress: Callable[[str, int], None] | None = None,
             force: bool = False) -> dict:
    """Write the raw tables and the ground truth; return the manifest (row counts per table).

    `progress(label, units)` is called as work completes: one unit per table, plus one per
    customer whose product events have been generated. Without `force`, an existing non-empty
    output or truth folder without csops generate's `_manifest.json` is refused (GenerateError).
    """
    as_of = validate_arguments(scale, seed, as_of)
    out = Path(out)
    truth = Path(truth_out) if truth_out else out.parent / "truth"
    if truth.resolve() == out.resolve() or out.resolve() in truth.resolve().parents:
        raise GenerateError(f"the truth folder {truth} must be outside the raw data folder {out}")
    if not force:
        check_ours(out, "output")
        check_ours(truth, "truth")
    _check_dir(out, "output")
    _check_dir(truth, "truth")
    tick = progress or (lambda label, units: None)

    world = simulate(SCALES[scale], seed)
    ctx = Export(world, seed, int(np.datetime64(as_of, "D").astype(np.int64)))
    counts: dict[str, dict[str, int]] = {s: {} for s in SYSTEMS}
    files: dict[str, dict[str, int]] = {s: {} for s in SYSTEMS}
    # Write into a staging folder and move into place at the end: a failed run leaves the old data intact.
    stage = Path(tempfile.mkdtemp(prefix=".csops-generate-", dir=out))
    writer = _Writer()
    try:
        for module in MODULES:
            for rt in module.emit(ctx):
                label = f"{rt.system}.{rt.name}"
                (stage / rt.system).mkdir(exist_ok=True)
                path = stage / rt.system / rt.name
                if isinstance(rt, ChunkedTable):
                    per_part = max(1, EVENTS_CUSTOMERS_PER_PART // SCALES[scale].customers_per_chunk)
                    counts[rt.system][rt.name], files[rt.system][rt.name] = _write_chunks(
                        writer, rt, path, per_part, lambda k, label=label: tick(label, k))
                else:
                    files[rt.system][rt.name] = _write_table(writer, rt.table, path)
                    counts[rt.system][rt.name] = rt.table.num_rows
                tick(label, 1)
            assert tuple(counts[module.SYSTEM]) == module.TABLES, f"{module.SYSTEM} does not emit its TABLES"

        first_day = world.month_start[0]
        manifest = {"written_by": WRITTEN_BY, "scale": scale, "seed": seed, "as_of": as_of,
                    "customers": int((world.signup_day < ctx.as_of).sum()),
                    "months": int((world.month_start[:-1] < ctx.as_of).sum()),
                    "calendar_start": str(np.datetime64(int(first_day), "D")),
                    "horizon": str(np.datetime64(int(world.horizon), "D")),
                    "layout": "<system>/<table>/loaded_date=YYYY-MM-DD/part-<k>.parquet",
                    "flaw_rates": config.FLAW_RATES, "row_counts": counts, "file_counts": files}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for system in SYSTEMS:
            target = out / system
            if target.exists():
                shutil.rmtree(target)
            (stage / system).rename(target)
        (stage / MANIFEST).replace(out / MANIFEST)
    finally:
        writer.close()
        shutil.rmtree(stage, ignore_errors=True)

    for name, table in truth_tables(ctx).items():
        _write(table, truth / f"{name}.parquet")
    (truth / "README.md").write_text(truth_readme(scale, seed, as_of, _LEGACY_TRUTH_README))
    (truth / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
