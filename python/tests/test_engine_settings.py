"""DuckDB's memory limit, threads and spill folder come from the environment (macros/engine_settings.sql).

A run with them set applies them at run start (dbt's log shows the statements); a bad value stops
the run with one line naming the environment variable, before anything is built.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")

pytestmark = pytest.mark.dbt


def run(tiny: Path, tmp_path: Path, **settings: str) -> tuple[int, str, str]:
    """dbt run of the clock model on the tiny data with these environment settings:
    (exit code, output, dbt's debug log)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CSOPS_DUCKDB_")}
    env.update({"DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(tiny / "raw"),
                "CSOPS_WAREHOUSE": str(tmp_path / "w.duckdb"), "CSOPS_RAW_SOURCE_MODE": "parquet",
                "CSOPS_TARGET": "duckdb", **settings})
    r = subprocess.run([str(DBT), "run", "--select", "+int_warehouse_as_of",
                        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                       cwd=PROJECT, env=env, capture_output=True, text=True)
    log = (tmp_path / "logs" / "dbt.log").read_text() if (tmp_path / "logs" / "dbt.log").exists() else ""
    return r.returncode, r.stdout + r.stderr, log


def test_settings_from_the_environment_are_applied(tiny, tmp_path):
    spill = tmp_path / "spill"
    code, out, log = run(tiny, tmp_path, CSOPS_DUCKDB_MEMORY_LIMIT="1GB", CSOPS_DUCKDB_THREADS="1",
                         CSOPS_DUCKDB_TEMP_DIR=str(spill), CSOPS_DBT_THREADS="1")
    assert code == 0, out[-3000:]
    assert "set global memory_limit = '1GB'" in log
    assert "set global threads = 1" in log
    assert f"set global temp_directory = '{spill}'" in log
    assert "Concurrency: 1 threads" in log  # CSOPS_DBT_THREADS (profiles.yml)


def test_unset_settings_leave_duckdb_defaults(tiny, tmp_path):
    code, out, log = run(tiny, tmp_path)
    assert code == 0, out[-3000:]
    assert "set global" not in log


def test_a_bad_setting_stops_the_run_with_one_line_naming_it(tiny, tmp_path):
    code, out, _ = run(tiny, tmp_path, CSOPS_DUCKDB_MEMORY_LIMIT="lots", CSOPS_DUCKDB_THREADS="0")
    assert code != 0
    assert "CSOPS_DUCKDB_MEMORY_LIMIT: got 'lots'; allowed: a size such as 12GB or 16GiB" in out, out[-3000:]
    assert "CSOPS_DUCKDB_THREADS: got '0'; allowed: a whole number of at least 1" in out, out[-3000:]
    assert "START sql" not in out, out[-3000:]
