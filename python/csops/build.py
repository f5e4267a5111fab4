"""`csops build`: build the warehouse privately, check it, and only then publish it.

The published warehouse (CSOPS_WAREHOUSE, default warehouse/csops.duckdb) is the file BI tools
open. A build never writes to it:

1. it fingerprints the raw data (`csops.fingerprint`) and reads, read-only, which raw data the
   published warehouse was built from (`meta.build_runs`, `meta.build_raw_files`);
2. it builds in a private folder, `warehouse/.build/<stem>.run-<run_id>/`, into a file with the
   published file's name (dbt-duckdb's views name their catalog after the file's stem): a copy of
   the published warehouse, so incremental models and snapshots continue, when the raw data is
   the same dataset; an empty file on a full refresh (or the first build). A different dataset is
   refused;
3. it runs `dbt build` and then the Great Expectations suites on that file;
4. only if both pass it records the run in `meta.build_runs` and replaces the published file with
   `os.replace` (atomic on one filesystem), keeping the one before as `<stem>.previous.duckdb`.

A reader holding the published file open keeps reading the old one (the replaced file lives on
until it is closed); a new connection sees the new build. A failed build leaves the published file
byte-identical; its run is recorded in the next published warehouse with its status.

The history tables are `csops.build_runs`; running dbt and reading its failures, `csops.dbt_runner`.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .build_runs import (
    BuildRun,
    carry_history,
    component_versions,
    ensure_meta_tables,
    insert_raw_files,
    insert_run,
    last_published,
    read_as_of,
    run_from_json,
    run_to_json,
)
from .dbt_runner import run_dbt
from .errors import CsopsError
from .fingerprint import FileFingerprint, compare, dataset_fingerprint, fingerprint_folder
from .warehouse import connect_read_only, lock_holder, locked_message, one_line

REPO = Path(__file__).resolve().parents[2]
FULL_REFRESH_HINT = "run a full refresh (csops build --full-refresh; make build or make warehouse FULL_REFRESH=1)"


class BuildError(CsopsError):
    """The build cannot start: bad input, a lock, or raw data of another dataset. Exit 2."""


class BuildFailed(BuildError):
    """dbt or a quality suite failed; the published warehouse is unchanged. Exit 1."""

    exit_code = 1


@dataclass(frozen=True)
class BuildOptions:
    warehouse: Path
    raw_dir: Path | None  # None when the raw sources are tables (CSOPS_RAW_SOURCE_MODE=tables)
    full_refresh: bool = False
    dbt_vars: str | None = None
    gx_root: Path = REPO
    quiet: bool = False
    keep_build: bool = False


@dataclass(frozen=True)
class Layout:
    """Where a build of one published warehouse puts its files (all on the published file's filesystem)."""

    published: Path
    previous: Path
    root: Path

    @property
    def lock(self) -> Path:
        return self.root / f"{self.published.stem}.lock"

    @property
    def failed_runs(self) -> Path:
        return self.root / f"{self.published.stem}.failed-runs.jsonl"

    def run_dir(self, run_id: str) -> Path:
        return self.root / f"{self.published.stem}.run-{run_id}"

    def build_file(self, run_id: str) -> Path:
        return self.run_dir(run_id) / self.published.name  # the same file name: views keep their catalog


def layout_for(warehouse: Path) -> Layout:
    published = Path(os.path.abspath(warehouse))
    return Layout(published=published,
                  previous=published.with_name(f"{published.stem}.previous{published.suffix}"),
                  root=published.parent / ".build")


@dataclass(frozen=True)
class PublishedState:
    """What the published warehouse says about the build that made it."""

    exists: bool
    has_history: bool = False
    last_run_id: str | None = None
    raw_files: list[FileFingerprint] = field(default_factory=list)


@dataclass(frozen=True)
class QualityOutcome:
    suites_passed: int
    suites_failed: int
    expectations_passed: int
    expectations_failed: int
    failing_suites: list[str]
    report: str

    @property
    def success(self) -> bool:
        return self.suites_failed == 0 and self.expectations_passed > 0


# ---- small pieces ---------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@contextmanager
def build_lock(layout: Layout) -> Iterator[None]:
    """One build per published warehouse at a time; a second one is refused, not queued."""
    try:
        layout.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise BuildError(f"cannot create the build folder {layout.root} beside the warehouse (CSOPS_WAREHOUSE): "
                         f"{e.strerror or e}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            holder = layout.lock.read_text().strip() or "another process"
            raise BuildError(f"another csops build of {layout.published} is running ({holder}); "
                             f"wait for it to finish") from e
        os.ftruncate(fd, 0)
        os.write(fd, f"PID {os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def remove_stale_runs(layout: Layout) -> None:
    """Private folders of builds that were killed (we hold the lock, so none is running)."""
    for stale in layout.root.glob(f"{layout.published.stem}.run-*"):
        shutil.rmtree(stale, ignore_errors=True)


# ---- the published warehouse ----------------------------------------------------------------------


def read_published(layout: Layout) -> PublishedState:
    """Read-only: the last published run and the raw files it read. WarehouseError if a writer holds it."""
    published = layout.published
    if not published.exists():
        return PublishedState(exists=False)
    con = connect_read_only(published)  # a writer holding it: WarehouseError naming the holder
    try:
        wal = published.with_name(published.name + ".wal")
        if wal.exists():  # no writer holds it, so one crashed: the copy would lose what the log holds
            raise BuildError(f"{published} has an unfinished write-ahead log {wal.name} (a writer crashed); "
                             f"open the file once read-write to checkpoint it, then build again")
        last = last_published(con)
        if last is None:
            return PublishedState(exists=True)
        return PublishedState(exists=True, has_history=True, last_run_id=last[0], raw_files=last[1])
    finally:
        con.close()


def check_same_dataset(state: PublishedState, layout: Layout, raw_dir: Path,
                       current: list[FileFingerprint]) -> None:
    """Refuse an incremental build on raw data other than the published warehouse's (appending is fine)."""
    where = "or point CSOPS_WAREHOUSE at another file"
    if not state.has_history:
        raise BuildError(f"{layout.published} has no build history (meta.build_runs), so which raw data it was "
                         f"built from is unknown; {FULL_REFRESH_HINT} {where}")
    diff = compare(state.raw_files, current)
    if not diff.same_dataset:
        raise BuildError(f"the raw data in {raw_dir} is not the dataset {layout.published} was built from "
                         f"(run {state.last_run_id}: {diff.describe()}); {FULL_REFRESH_HINT} {where}")


def copy_published(layout: Layout, build_file: Path) -> None:
    try:
        shutil.copyfile(layout.published, build_file)
    except OSError as e:
        raise BuildError(f"cannot copy {layout.published} to {build_file}: {e.strerror or e}") from e


# ---- Great Expectations ---------------------------------------------------------------------------


def run_quality(build_file: Path, gx_root: Path) -> QualityOutcome:
    from .quality import format_report
    from .quality import run as run_suites

    report = run_suites(build_file, gx_root=gx_root)
    suites = sorted({o.suite for o in report.outcomes})
    failing = sorted({o.suite for o in report.failures()})
    failed_expectations = len(report.failures())
    return QualityOutcome(suites_passed=len(suites) - len(failing), suites_failed=len(failing),
                          expectations_passed=len(report.outcomes) - failed_expectations,
                          expectations_failed=failed_expectations, failing_suites=failing,
                          report=format_report(report))


# ---- recording the run ----------------------------------------------------------------------------


def save_failed_run(layout: Layout, run: BuildRun) -> None:
    """A failed run cannot be written into the published warehouse (it stays byte-identical): keep it aside
    and record it in meta.build_runs with the next published build."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.failed_runs.open("a") as f:
        f.write(run_to_json(run) + "\n")


def load_failed_runs(layout: Layout) -> list[BuildRun]:
    if not layout.failed_runs.is_file():
        return []
    return [run_from_json(line) for line in layout.failed_runs.read_text().splitlines() if line.strip()]


def record_build(build_file: Path, layout: Layout, run: BuildRun, files: list[FileFingerprint],
                 carry_from_published: bool, failed_before: list[BuildRun]) -> None:
    """Write this run (and the failed runs since the last publish) into the build, then checkpoint it."""
    try:
        con = duckdb.connect(str(build_file))
    except duckdb.Error as e:
        holder = lock_holder(e)
        raise BuildError(locked_message(build_file, holder) if holder
                         else f"cannot open the build {build_file}: {one_line(e)}") from e
    try:
        ensure_meta_tables(con)
        if carry_from_published:
            carry_history(con, layout.published)
        run.raw_as_of_date = read_as_of(con)
        for failed in failed_before:
            insert_run(con, failed)
        insert_run(con, run)
        insert_raw_files(con, run.run_id, files)
        con.execute("checkpoint")
    finally:
        con.close()


# ---- publishing -----------------------------------------------------------------------------------


def keep_previous(layout: Layout) -> None:
    """Keep the published file as <stem>.previous: a hard link (no copy, no moment without a published file)."""
    staging = layout.previous.with_name(layout.previous.name + ".tmp")
    staging.unlink(missing_ok=True)
    try:
        os.link(layout.published, staging)
    except OSError:
        shutil.copy2(layout.published, staging)
    os.replace(staging, layout.previous)


def publish(build_file: Path, layout: Layout) -> None:
    """Swap the build in as the published file, atomically; readers of the old one keep it until they close."""
    wal = build_file.with_name(build_file.name + ".wal")
    if wal.exists():
        raise BuildError(f"the build {build_file} still has a write-ahead log; not publishing it")
    if layout.published.exists():
        keep_previous(layout)
    os.replace(build_file, layout.published)


# ---- the build ------------------------------------------------------------------------------------


def _fail(layout: Layout, run: BuildRun, message: str, run_dir: Path, keep: bool) -> BuildFailed:
    run.finished_at = utc_now()
    run.message = message
    save_failed_run(layout, run)
    kept = f"; the failed build is kept in {run_dir}" if keep else ""
    outcome = (f"the published warehouse {layout.published} is unchanged" if layout.published.exists()
               else f"nothing was published to {layout.published}")
    return BuildFailed(f"{message}; {outcome}{kept}")


def build(options: BuildOptions, say: Callable[[str], None] = print) -> BuildRun:
    """Build, check and publish; return the published run. BuildError / BuildFailed otherwise."""
    check_target()
    layout = layout_for(options.warehouse)
    started = utc_now()
    run = BuildRun(run_id=new_run_id(started), started_at=started, dbt_vars=options.dbt_vars,
                   **component_versions())
    raw_dir = Path(os.path.abspath(options.raw_dir)) if options.raw_dir is not None else None
    files = describe_raw_data(run, raw_dir)
    with build_lock(layout):
        remove_stale_runs(layout)
        state = read_published(layout)
        start_from_copy = plan_start(run, state, layout, options.full_refresh, raw_dir, files)
        run_dir, build_file = layout.run_dir(run.run_id), layout.build_file(run.run_id)
        run_dir.mkdir(parents=True)
        try:
            if start_from_copy:
                copy_published(layout, build_file)
            say(f"csops build: run {run.run_id} in {build_file}, "
                + (f"incremental from run {run.previous_run_id or '(no build history)'}" if start_from_copy
                   else "full refresh from an empty file"))
            _run_dbt_step(build_file, raw_dir, options, layout, run, run_dir)
            _run_quality_step(build_file, options, layout, run, run_dir, say)
            failed_before = load_failed_runs(layout)
            run.status, run.finished_at = "published", utc_now()
            record_build(build_file, layout, run, files, carry_from_published=state.exists and not start_from_copy,
                         failed_before=failed_before)
            publish(build_file, layout)
            layout.failed_runs.unlink(missing_ok=True)
        finally:
            if not (options.keep_build and run.status in ("dbt_failed", "quality_failed")):
                shutil.rmtree(run_dir, ignore_errors=True)
    return run


def check_target() -> None:
    target = os.environ.get("CSOPS_TARGET", "duckdb")
    if target != "duckdb":
        raise BuildError(f"csops build builds the DuckDB warehouse; CSOPS_TARGET={target} is not DuckDB: "
                         f"run dbt build for it")


def describe_raw_data(run: BuildRun, raw_dir: Path | None) -> list[FileFingerprint]:
    """Fingerprint the raw folder into the run (RawDataError if missing or empty); nothing for raw tables."""
    if raw_dir is None:
        run.raw_source_mode, run.raw_data_location = "tables", "tables in the warehouse's raw_<system> schemas"
        return []
    files = fingerprint_folder(raw_dir)
    run.raw_data_location, run.raw_fingerprint = str(raw_dir), dataset_fingerprint(files)
    run.raw_files, run.raw_bytes = len(files), sum(f.size_bytes for f in files)
    return files


def plan_start(run: BuildRun, state: PublishedState, layout: Layout, full_refresh: bool, raw_dir: Path | None,
               files: list[FileFingerprint]) -> bool:
    """True to start from a copy of the published warehouse (checked to be the same dataset), False from empty."""
    # raw tables an EL tool loaded live in the warehouse itself: always start from it
    start_from_copy = state.exists and (not full_refresh or raw_dir is None)
    if start_from_copy and raw_dir is not None:
        check_same_dataset(state, layout, raw_dir, files)
    run.is_full_refresh = full_refresh or not state.exists
    run.previous_run_id = state.last_run_id if start_from_copy else None
    return start_from_copy


def _run_dbt_step(build_file: Path, raw_dir: Path | None, options: BuildOptions, layout: Layout, run: BuildRun,
                  run_dir: Path) -> None:
    dbt = run_dbt(build_file, raw_dir, run.is_full_refresh, options.dbt_vars, options.quiet)
    run.dbt_pass, run.dbt_warn, run.dbt_error, run.dbt_skip = (dbt.counts[k] for k in ("pass", "warn", "error", "skip"))
    if dbt.returncode != 0:
        run.status = "dbt_failed"
        raise _fail(layout, run, f"dbt build failed {dbt.failure} (log: {dbt.log_file})", run_dir, options.keep_build)


def _run_quality_step(build_file: Path, options: BuildOptions, layout: Layout, run: BuildRun, run_dir: Path,
                      say: Callable[[str], None]) -> QualityOutcome:
    gx_root, keep = options.gx_root, options.keep_build
    try:
        quality = run_quality(build_file, gx_root)
    except CsopsError as e:
        run.status = "quality_failed"
        raise _fail(layout, run, f"the quality suites could not run: {e}", run_dir, keep) from e
    run.quality_suites_passed, run.quality_suites_failed = quality.suites_passed, quality.suites_failed
    run.quality_expectations_passed = quality.expectations_passed
    run.quality_expectations_failed = quality.expectations_failed
    say(quality.report)
    if not quality.success:
        run.status = "quality_failed"
        raise _fail(layout, run, f"quality failed: {quality.suites_failed} of "
                                 f"{quality.suites_failed + quality.suites_passed} suites "
                                 f"({', '.join(quality.failing_suites)}; "
                                 f"data docs in {gx_root / 'gx' / 'uncommitted' / 'data_docs'})", run_dir, keep)
    return quality


def summary(run: BuildRun, layout: Layout) -> str:
    """The line printed after a publish."""
    as_of = f"raw data as of {run.raw_as_of_date}" if run.raw_as_of_date else "raw data as of unknown"
    mode = "full refresh" if run.is_full_refresh else f"incremental on run {run.previous_run_id}"
    suites = (run.quality_suites_passed or 0) + (run.quality_suites_failed or 0)
    previous = f"; previous warehouse kept as {layout.previous}" if layout.previous.exists() else ""
    return (f"csops build: published {layout.published} (run {run.run_id}, {mode}, {as_of}; dbt "
            f"{run.dbt_pass} passed, {run.dbt_warn} warned; quality {run.quality_suites_passed}/{suites} "
            f"suites){previous}")

