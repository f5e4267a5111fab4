"""`csops build` end to end with the real dbt project, DuckDB and the GX suites, on tiny data.

One warehouse is built from empty (`first`). Then, in a copy of it: a build that dbt fails half-way
leaves the published file byte-identical; a build with a reader holding the published file open
and one more raw file (an append) publishes while the reader keeps reading; meta.build_runs holds
all three runs. Separately: a raw file that is not Parquet, a quality suite that fails on stale
data, and an incremental build on another dataset all leave the published file as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from csops.fingerprint import dataset_fingerprint, fingerprint_folder
from csops.raw_variants import single_files

pytestmark = pytest.mark.dbt

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Site:
    """A published warehouse, its raw folder and a folder for dbt's target, logs and GX's data docs."""

    root: Path
    raw: Path
    warehouse: Path

    @property
    def previous(self) -> Path:
        return self.warehouse.with_name("csops.previous.duckdb")

    def build(self, *args: str, raw: Path | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "DBT_TARGET_PATH": str(self.root / "target"),
               "DBT_LOG_PATH": str(self.root / "logs"), "PYTHONPATH": str(PROJECT / "python")}
        env.pop("CSOPS_RAW_DIR", None)
        return subprocess.run([sys.executable, "-m", "csops.cli", "build", "--quiet", "--warehouse",
                               str(self.warehouse), "--raw-dir", str(raw or self.raw), "--gx-root", str(self.root),
                               *args], cwd=self.root, env=env, capture_output=True, text=True)

    def copy(self, root: Path) -> Site:
        """The same warehouse (under the same file name) and raw data in another folder."""
        shutil.copytree(self.raw, root / "raw")
        (root / "warehouse").mkdir(parents=True)
        shutil.copy(self.warehouse, root / "warehouse" / self.warehouse.name)
        return Site(root, root / "raw", root / "warehouse" / self.warehouse.name)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(r: subprocess.CompletedProcess) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr[-3000:]
    assert lines[0].startswith("csops build: error: "), lines[0]
    return lines[0]


def build_runs(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from meta.build_runs order by started_at")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def first(tiny, tmp_path_factory) -> Site:
    root = tmp_path_factory.mktemp("first")
    shutil.copytree(tiny / "raw", root / "raw")
    single_files(root / "raw")  # one file per table: the tests below change or add whole files
    site = Site(root, root / "raw", root / "warehouse" / "csops.duckdb")
    r = site.build()
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "csops build: published" in r.stdout
    return site


@dataclass(frozen=True)
class Sequence:
    site: Site
    before: str  # sha256 of the published file before the failed build
    failed: subprocess.CompletedProcess
    after_failed: str
    appended: subprocess.CompletedProcess
    reader_before: list[tuple]  # what a reader holding the published file saw before the build ...
    reader_after: list[tuple]  # ... and after it, on the same connection
    fresh_after: list[tuple]  # a new connection after the build
    polled: list[str]  # 'ok' or 'error ...' from a process opening the warehouse again and again meanwhile


@pytest.fixture(scope="module")
def sequence(first, tmp_path_factory) -> Sequence:
    site = first.copy(tmp_path_factory.mktemp("sequence"))
    before = sha(site.warehouse)
    # product events whose occurred_at is not a time: every var passes its check and the raw files
    # register, dbt builds part of the DAG into the private file, then fails at the events model.
    # A changed raw file is another dataset, so this build is a full refresh (an incremental one would
    # be refused before dbt runs); restoring the file makes the folder the first build's dataset again.
    events_file = site.raw / "product" / "events.parquet"
    good_events = events_file.read_bytes()
    events = pq.read_table(events_file)
    pq.write_table(events.set_column(events.schema.get_field_index("occurred_at"), "occurred_at",
                                     pa.array(["not-a-time"] * events.num_rows)), events_file)
    failed = site.build("--full-refresh")
    events_file.write_bytes(good_events)
    after_failed = sha(site.warehouse)

    # the next day's sync adds a file; the files read last time are unchanged
    events = pq.read_table(site.raw / "product" / "events.parquet")
    pq.write_table(events.slice(0, 10), site.raw / "product" / "events_2026-11-02.parquet")
    query = "select run_id, (select count(*) from marts.dim_customers) from meta.build_runs order by started_at"
    with duckdb.connect(str(site.warehouse), read_only=True) as reader:
        reader_before = reader.execute(query).fetchall()
        poller = open_and_close_repeatedly(site.warehouse)
        appended = site.build()
        poller.terminate()
        polled = poller.communicate()[0].splitlines()
        reader_after = reader.execute(query).fetchall()
    with duckdb.connect(str(site.warehouse), read_only=True) as fresh:
        fresh_after = fresh.execute(query).fetchall()
    return Sequence(site, before, failed, after_failed, appended, reader_before, reader_after, fresh_after, polled)


def open_and_close_repeatedly(warehouse: Path) -> subprocess.Popen:
    """Another process that opens the published warehouse read-only, reads and closes it, over and over."""
    script = ("import duckdb, time\n"
              "while True:\n"
              "    try:\n"
              f"        with duckdb.connect({str(warehouse)!r}, read_only=True) as c:\n"
              "            c.execute('select count(*) from marts.dim_customers').fetchone()\n"
              "        print('ok', flush=True)\n"
              "    except duckdb.Error as e:\n"
              "        print('error', str(e).splitlines()[0], flush=True)\n"
              "    time.sleep(0.2)\n")
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)


def test_a_build_that_fails_half_way_leaves_the_published_warehouse_byte_identical(sequence):
    assert sequence.failed.returncode == 1
    line = one_error_line(sequence.failed)
    assert "dbt build failed at" in line and "stg_product__events" in line and "not-a-time" in line
    assert f"(log: {sequence.site.root / 'logs' / 'dbt.log'})" in line
    assert f"the published warehouse {sequence.site.warehouse} is unchanged" in line
    assert sequence.after_failed == sequence.before
    assert not list(sequence.site.warehouse.parent.glob(".build/*.run-*"))  # the private build is gone


def test_a_reader_holding_the_warehouse_keeps_reading_and_does_not_stop_the_build(sequence):
    assert sequence.appended.returncode == 0, sequence.appended.stdout[-3000:] + sequence.appended.stderr[-3000:]
    assert sequence.reader_after == sequence.reader_before  # the old file, still open and readable
    assert len(sequence.fresh_after) == len(sequence.reader_before) + 2  # the failed run and the new one
    assert sequence.fresh_after[-1][1] == sequence.reader_before[-1][1] > 0  # same customers, one dataset
    assert sha(sequence.site.previous) == sequence.before  # the one before is kept


def test_readers_opening_the_warehouse_during_a_build_are_never_refused(sequence):
    assert len(sequence.polled) > 20  # a read every 0.2 s during a build of about 30 s
    assert [line for line in sequence.polled if line != "ok"] == []


def test_an_appended_raw_file_continues_incrementally(sequence, first):
    runs = build_runs(sequence.site.warehouse)
    latest = runs[-1]
    assert latest["status"] == "published" and latest["is_full_refresh"] is False
    assert latest["previous_run_id"] == runs[0]["run_id"]
    assert latest["raw_files"] == runs[0]["raw_files"] + 1
    assert latest["raw_fingerprint"] == dataset_fingerprint(fingerprint_folder(sequence.site.raw))
    with duckdb.connect(str(sequence.site.warehouse), read_only=True) as con:
        files = con.execute("select count(*) from meta.build_raw_files where run_id = ?",
                            [latest["run_id"]]).fetchone()[0]
    assert files == latest["raw_files"]


def test_build_runs_has_a_row_per_build_with_versions_results_and_the_raw_data(sequence, first):
    runs = build_runs(sequence.site.warehouse)
    assert [r["status"] for r in runs] == ["published", "dbt_failed", "published"]
    # the copied raw folder is another location of the same dataset: it continued incrementally
    assert [r["raw_data_location"] for r in runs] == [str(first.raw)] + [str(sequence.site.raw)] * 2
    first, failed, latest = runs
    assert first["is_full_refresh"] is True and first["previous_run_id"] is None
    assert failed["dbt_error"] > 0 and "not-a-time" in failed["message"] and failed["quality_suites_passed"] is None
    assert failed["dbt_pass"] > 0  # half-way: part of the DAG was built before the failure
    for run in (first, latest):
        assert run["dbt_error"] == 0 and run["dbt_pass"] > 400 and run["dbt_skip"] == 0
        assert run["quality_suites_failed"] == 0 and run["quality_suites_passed"] >= 12
        assert run["quality_expectations_failed"] == 0
        assert str(run["raw_as_of_date"]) == "2026-10-31"
        assert run["started_at"] < run["finished_at"]
        assert all(run[c] for c in ("dbt_core_version", "dbt_duckdb_version", "duckdb_version",
                                    "great_expectations_version", "csops_version"))


def test_a_raw_file_that_is_not_parquet_fails_in_one_line_naming_it(first, tmp_path):
    site = first.copy(tmp_path)
    before = sha(site.warehouse)
    (site.raw / "support" / "tickets.parquet").write_text("not parquet")
    r = site.build("--full-refresh")
    assert r.returncode == 1
    line = one_error_line(r)
    assert "dbt build failed before any model ran" in line and str(site.raw / "support" / "tickets.parquet") in line
    assert sha(site.warehouse) == before and not site.previous.exists()


def test_a_failing_quality_suite_publishes_nothing(first, tmp_path):
    site = first.copy(tmp_path)
    before = sha(site.warehouse)
    # the help desk export stopped ten days before the others: dbt's tests pass, GX's freshness suite fails
    path = site.raw / "support" / "tickets.parquet"
    tickets = pq.read_table(path)
    i = tickets.schema.get_field_index("_loaded_at")
    loaded = tickets.column(i)
    stale = pc.subtract(loaded, pa.scalar(timedelta(days=10), type=pa.duration(loaded.type.unit)))
    pq.write_table(tickets.set_column(i, tickets.schema.field(i), stale), path)
    r = site.build("--full-refresh")
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    line = one_error_line(r)
    assert "quality failed: 1 of" in line and "source_freshness" in line and "is unchanged" in line
    assert "FAILED   source_freshness" in r.stdout
    assert sha(site.warehouse) == before and not site.previous.exists()


def test_an_incremental_build_on_another_dataset_is_refused(first, tiny, tmp_path):
    site = first.copy(tmp_path)
    before = sha(site.warehouse)
    other = tmp_path / "other_raw"
    from csops.generator import generate

    generate("tiny", 43, other, tmp_path / "other_truth")
    r = site.build(raw=other)
    assert r.returncode == 2
    line = one_error_line(r)
    assert f"the raw data in {other} is not the dataset {site.warehouse} was built from" in line
    assert "csops build --full-refresh" in line and "CSOPS_WAREHOUSE" in line
    assert "Running with dbt" not in r.stdout  # refused before dbt ran
    assert sha(site.warehouse) == before
