"""Deterministic demo data for every source system of the CS Ops warehouse.

`generate()` writes one Parquet file per raw table under `<out>/<system>/<table>.parquet`, a
`_manifest.json` with the row counts, and the hidden ground truth under a separate folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CsopsError
from . import config
from .config import DEFAULT_AS_OF, SCALES
from .export import ChunkedTable, Export
from .simulation import simulate
from .systems import MODULES
from .truth import TRUTH_FILES, truth_tables

SYSTEMS = tuple(m.SYSTEM for m in MODULES)
TABLES = {m.SYSTEM: m.TABLES for m in MODULES}
N_TABLES = sum(len(t) for t in TABLES.values())


class GenerateError(CsopsError):
    """A bad argument or an unusable output folder, said in one line."""


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def _write_chunks(rt: ChunkedTable, path: Path, on_chunk: Callable[[int], None]) -> int:
    """Write a chunked table chunk by chunk (`on_chunk(customers)` after each); return its row count."""
    writer = None
    rows = 0
    try:
        for chunk, customers in rt.chunks:
            if writer is None:
                # dictionary-encode only the dictionary columns: ids and times are unique (a third faster)
                dict_cols = [f.name for f in chunk.schema if pa.types.is_dictionary(f.type)]
                writer = pq.ParquetWriter(path, chunk.schema, compression="zstd", use_dictionary=dict_cols)
            writer.write_table(chunk, row_group_size=1_000_000)
            rows += chunk.num_rows
            on_chunk(customers)
    finally:
        if writer is not None:
            writer.close()
    return rows


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


def validate_as_of(as_of: str) -> str:
    import numpy as np

    try:
        d = np.datetime64(as_of, "D")
    except ValueError as e:
        raise GenerateError(f"--as-of {as_of!r} is not a date; use YYYY-MM-01") from e
    if d != d.astype("datetime64[M]").astype("datetime64[D]"):
        raise GenerateError(f"--as-of {as_of} must be the first day of a month (the data covers whole months)")
    return str(d)


def validate_arguments(scale: str, seed: int, as_of: str) -> str:
    """Check scale, seed and as-of date (GenerateError naming the bad one); return the as-of date."""
    if scale not in SCALES:
        raise GenerateError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if seed < 0:
        raise GenerateError(f"--seed must be a non-negative integer, got {seed}")
    return validate_as_of(as_of)


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

    world = simulate(SCALES[scale], seed, as_of)
    ctx = Export(world, seed)
    counts: dict[str, dict[str, int]] = {s: {} for s in SYSTEMS}
    # Write into a staging folder and move into place at the end: a failed run leaves the old data intact.
    stage = Path(tempfile.mkdtemp(prefix=".csops-generate-", dir=out))
    try:
        for module in MODULES:
            for rt in module.emit(ctx):
                label = f"{rt.system}.{rt.name}"
                (stage / rt.system).mkdir(exist_ok=True)
                path = stage / rt.system / f"{rt.name}.parquet"
                if isinstance(rt, ChunkedTable):
                    counts[rt.system][rt.name] = _write_chunks(rt, path, lambda k, label=label: tick(label, k))
                else:
                    _write(rt.table, path)
                    counts[rt.system][rt.name] = rt.table.num_rows
                tick(label, 1)
            assert tuple(counts[module.SYSTEM]) == module.TABLES, f"{module.SYSTEM} does not emit its TABLES"

        manifest = {"written_by": WRITTEN_BY, "scale": scale, "seed": seed, "as_of": as_of, "customers": world.n,
                    "months": world.months, "flaw_rates": config.FLAW_RATES, "row_counts": counts}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for system in SYSTEMS:
            target = out / system
            if target.exists():
                shutil.rmtree(target)
            (stage / system).rename(target)
        (stage / MANIFEST).replace(out / MANIFEST)
    finally:
        shutil.rmtree(stage, ignore_errors=True)

    for name, table in truth_tables(ctx).items():
        _write(table, truth / f"{name}.parquet")
    (truth / "README.md").write_text(
        f"{_LEGACY_TRUTH_README}\n\n"
        f"Generated with scale={scale}, seed={seed}, as_of={as_of}.\n\n"
        + "".join(f"- {name}.parquet: {description}\n" for name, description in TRUTH_FILES.items())
    )
    (truth / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
