"""stg_product__events is incremental: loading in two batches must give the same rows as a full refresh.

Runs the real dbt project on DuckDB: first with only the events loaded before a cut-off (late events
and re-synced copies of the first batch arrive after it), then with everything, incrementally; then
compares with a full refresh over everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.dbt

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


def dbt(raw: Path, warehouse: Path, *args: str) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(raw),
           "CSOPS_WAREHOUSE": str(warehouse)}
    r = subprocess.run([str(DBT), "run", "--select", "stg_product__events", "--target-path",
                        str(warehouse.parent / "target"), "--log-path", str(warehouse.parent / "logs"), *args],
                       cwd=PROJECT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def events(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from staging.stg_product__events order by event_id").fetchall()


def test_two_incremental_batches_equal_a_full_refresh(tiny, tmp_path):
    full_raw = tiny / "raw"
    batch_raw = tmp_path / "batch_raw"
    shutil.copytree(full_raw, batch_raw)
    # the daily syncs up to a day, then the ones after it: events are partitioned by load day
    days = sorted(p.name for p in (full_raw / "product" / "events").iterdir())
    later = days[int(len(days) * 0.7):]
    for day in later:
        shutil.rmtree(batch_raw / "product" / "events" / day)
    first = pq.read_table(batch_raw / "product" / "events", partitioning=None)
    assert 0 < first.num_rows < pq.read_table(full_raw / "product" / "events", partitioning=None).num_rows

    incremental = tmp_path / "inc" / "w.duckdb"
    incremental.parent.mkdir()
    dbt(batch_raw, incremental, "--full-refresh")
    first_ids = set(first.column("event_id").to_pylist())
    assert len(events(incremental)) == len(first_ids)
    for day in later:
        shutil.copytree(full_raw / "product" / "events" / day, batch_raw / "product" / "events" / day)
    dbt(batch_raw, incremental)

    full = tmp_path / "full" / "w.duckdb"
    full.parent.mkdir()
    dbt(full_raw, full, "--full-refresh")

    inc_rows, full_rows = events(incremental), events(full)
    assert len(full_rows) == len({r[0] for r in full_rows})  # one row per event
    assert inc_rows == full_rows
