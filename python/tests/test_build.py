"""`csops build` without dbt: publishing, refusals before dbt runs, the build history, and how dbt's
failures are said. Real DuckDB files throughout; the builds with dbt are in test_build_publish.py.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from csops.build import build_lock, layout_for, load_failed_runs, publish, record_build, save_failed_run
from csops.build_runs import BUILD_RUNS_COLUMNS, BuildRun, ensure_meta_tables, insert_raw_files, insert_run
from csops.cli import main
from csops.dbt_runner import dbt_results, dbt_runtime_error
from csops.fingerprint import fingerprint_folder

pytestmark = pytest.mark.unit


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_warehouse(path: Path, value: int, history: BuildRun | None = None, raw: Path | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.dim_customers as select {value} as version")
        if history:
            ensure_meta_tables(con)
            insert_run(con, history)
            insert_raw_files(con, history.run_id, fingerprint_folder(raw) if raw else [])
    return path


def published_run(run_id: str = "20261101T000000Z-aaaaaa") -> BuildRun:
    return BuildRun(run_id=run_id, started_at=datetime(2026, 11, 1), finished_at=datetime(2026, 11, 1, 0, 5),
                    status="published", is_full_refresh=True, raw_as_of_date=date(2026, 10, 31))


@pytest.fixture
def raw(tmp_path) -> Path:
    folder = tmp_path / "raw" / "crm"
    folder.mkdir(parents=True)
    (folder / "accounts.parquet").write_bytes(b"accounts")
    return folder.parent


def one_line_build_error(capsys, argv: list[str]) -> str:
    assert main(["build", "--quiet", *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("csops build: error: "), err
    return err


def test_publish_swaps_the_file_and_a_reader_keeps_the_old_one(tmp_path):
    layout = layout_for(make_warehouse(tmp_path / "w" / "csops.duckdb", 1))
    build_file = make_warehouse(layout.build_file("r2"), 2)
    with duckdb.connect(str(layout.published), read_only=True) as reader:
        publish(build_file, layout)
        assert reader.execute("select version from marts.dim_customers").fetchone()[0] == 1  # still reading
    with duckdb.connect(str(layout.published), read_only=True) as fresh:
        assert fresh.execute("select version from marts.dim_customers").fetchone()[0] == 2
    with duckdb.connect(str(layout.previous), read_only=True) as previous:
        assert previous.execute("select version from marts.dim_customers").fetchone()[0] == 1
    assert not build_file.exists()


def test_the_build_file_has_the_published_file_name(tmp_path):
    layout = layout_for(tmp_path / "w" / "csops.duckdb")
    assert layout.build_file("r1").name == "csops.duckdb"  # dbt-duckdb's views name their catalog after it
    assert layout.build_file("r1").parent.parent == tmp_path / "w" / ".build"  # same filesystem: os.replace
    assert layout.previous == tmp_path / "w" / "csops.previous.duckdb"


def test_a_writer_holding_the_published_warehouse_stops_the_build_in_one_line(tmp_path, raw, capsys):
    warehouse = make_warehouse(tmp_path / "w" / "csops.duckdb", 1, published_run(), raw)
    before = sha(warehouse)
    writer = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); "
                               "print('ready', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        err = one_line_build_error(capsys, ["--warehouse", str(warehouse), "--raw-dir", str(raw)])
    finally:
        writer.communicate("")
    assert f"{warehouse} is held open for writing by another process (PID {writer.pid}" in err
    assert sha(warehouse) == before


def test_a_second_build_of_the_same_warehouse_is_refused(tmp_path, raw, capsys):
    warehouse = tmp_path / "w" / "csops.duckdb"
    with build_lock(layout_for(warehouse)):
        err = one_line_build_error(capsys, ["--warehouse", str(warehouse), "--raw-dir", str(raw)])
    assert "another csops build of" in err and "is running (PID" in err


def test_a_warehouse_without_build_history_is_not_built_on_incrementally(tmp_path, raw, capsys):
    warehouse = make_warehouse(tmp_path / "w" / "csops.duckdb", 1)
    err = one_line_build_error(capsys, ["--warehouse", str(warehouse), "--raw-dir", str(raw)])
    assert "has no build history" in err and "--full-refresh" in err and "CSOPS_WAREHOUSE" in err


def test_another_dataset_is_refused_before_anything_runs(tmp_path, raw, capsys):
    warehouse = make_warehouse(tmp_path / "w" / "csops.duckdb", 1, published_run(), raw)
    before = sha(warehouse)
    (raw / "crm" / "accounts.parquet").write_bytes(b"other accounts")
    err = one_line_build_error(capsys, ["--warehouse", str(warehouse), "--raw-dir", str(raw)])
    assert f"the raw data in {raw} is not the dataset {warehouse} was built from" in err
    assert "crm/accounts.parquet changed" in err and "--full-refresh" in err
    assert sha(warehouse) == before and not list((tmp_path / "w" / ".build").glob("*.run-*"))


@pytest.mark.parametrize("argv, says", [
    (["--raw-dir", "/nonexistent/raw"], "no raw data folder at /nonexistent/raw (CSOPS_RAW_DIR)"),
    ([], "no raw data folder: set CSOPS_RAW_DIR"),
], ids=["missing folder", "no folder given"])
def test_raw_data_problems_are_one_line(tmp_path, capsys, monkeypatch, argv, says):
    monkeypatch.delenv("CSOPS_RAW_DIR", raising=False)
    assert says in one_line_build_error(capsys, ["--warehouse", str(tmp_path / "w.duckdb"), *argv])


def test_a_full_refresh_carries_the_history_and_records_failed_runs(tmp_path, raw):
    layout = layout_for(make_warehouse(tmp_path / "w" / "csops.duckdb", 1, published_run("r1"), raw))
    failed = BuildRun(run_id="r2", started_at=datetime(2026, 11, 2), finished_at=datetime(2026, 11, 2, 0, 1),
                      status="dbt_failed", message="dbt build failed at model.csops.x: boom", dbt_error=1)
    save_failed_run(layout, failed)
    assert load_failed_runs(layout) == [failed]  # types survive the JSON round trip
    build_file = make_warehouse(layout.build_file("r3"), 2)  # a build that started empty
    run = BuildRun(run_id="r3", started_at=datetime(2026, 11, 3), finished_at=datetime(2026, 11, 3, 0, 5),
                   status="published", is_full_refresh=True)
    record_build(build_file, layout, run, fingerprint_folder(raw), carry_from_published=True,
                 failed_before=load_failed_runs(layout))
    with duckdb.connect(str(build_file), read_only=True) as con:
        runs = con.execute("select run_id, status, message from meta.build_runs order by started_at").fetchall()
        files = con.execute("select run_id, file_path from meta.build_raw_files order by run_id").fetchall()
        columns = [r[0] for r in con.execute("describe meta.build_runs").fetchall()]
    assert runs == [("r1", "published", None), ("r2", "dbt_failed", "dbt build failed at model.csops.x: boom"),
                    ("r3", "published", None)]
    assert files == [("r1", "crm/accounts.parquet"), ("r3", "crm/accounts.parquet")]
    assert columns == list(BUILD_RUNS_COLUMNS)
    assert not build_file.with_name(build_file.name + ".wal").exists()  # checkpointed: safe to move


def test_an_older_build_runs_table_gains_the_new_columns(tmp_path):
    path = tmp_path / "csops.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema meta")
        con.execute("create table meta.build_runs (run_id varchar, status varchar)")
        ensure_meta_tables(con)
        assert [r[0] for r in con.execute("describe meta.build_runs").fetchall()] == list(BUILD_RUNS_COLUMNS)


def test_dbt_results_count_statuses_and_name_the_first_failure(tmp_path):
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"results": [
        {"unique_id": "model.csops.a", "status": "success", "message": "OK"},
        {"unique_id": "test.csops.t", "status": "fail", "message": "Got 3 results, configured to fail if != 0"},
        {"unique_id": "test.csops.w", "status": "warn", "message": "Got 1 result"},
        {"unique_id": "model.csops.b", "status": "error",
         "message": "Runtime Error in model b (models/b.sql)\n  Conversion Error: invalid date"},
        {"unique_id": "model.csops.c", "status": "skipped", "message": None},
    ]}))
    counts, first = dbt_results(results)
    assert counts == {"pass": 1, "warn": 1, "error": 2, "skip": 1}
    assert first == "test.csops.t: Got 3 results, configured to fail if != 0"
    results.write_text(json.dumps({"results": [
        {"unique_id": "model.csops.b", "status": "error",
         "message": "Runtime Error in model b (models/b.sql)\n  Conversion Error: invalid date"}]}))
    assert dbt_results(results)[1] == "Runtime Error in model b (models/b.sql): Conversion Error: invalid date"


def test_an_error_before_any_node_ran_is_read_from_dbt_output():
    output = [  # dbt 1.11's output when a raw file is not Parquet (colours and timestamps included)
        "\x1b[0m14:38:58  Finished running  in 0 hours 0 minutes and 0.36 seconds (0.36s).\n",
        "\x1b[0m14:38:58  Encountered an error:\n",
        "Runtime Error\n",
        "  Invalid Input Error: File '/x/support/tickets.parquet' too small to be a Parquet file\n",
        "  \n",
        "  LINE 3: ...   create or replace view raw_support.tickets as select * from read_parquet('/x/...')\n",
    ]
    assert dbt_runtime_error(output) == ("Runtime Error: Invalid Input Error: File '/x/support/tickets.parquet' "
                                         "too small to be a Parquet file")
