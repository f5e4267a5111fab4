"""The warehouse `make test` published with `csops build`: its build record, and the query `make build`
suggests afterwards."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import duckdb
import pytest

from csops.cli import main
from csops.fingerprint import dataset_fingerprint, fingerprint_folder
from csops.quality import load_specs

pytestmark = pytest.mark.warehouse

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def test_the_build_is_recorded_in_build_runs(built_warehouse):
    warehouse, truth = built_warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from meta.build_runs")
        names = [c[0] for c in cursor.description]
        runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        as_of = con.execute("select as_of_date from intermediate.int_warehouse_as_of").fetchone()[0]
        files = con.execute("select count(*) from meta.build_raw_files where run_id = ?",
                            [runs[0]["run_id"]]).fetchone()[0]
    assert len(runs) == 1  # make test starts from no warehouse
    run = runs[0]
    raw = truth.parent / "raw"
    assert run["status"] == "published" and run["is_full_refresh"] is True and run["message"] is None
    assert run["raw_data_location"] == str(raw.absolute())
    assert run["raw_fingerprint"] == dataset_fingerprint(fingerprint_folder(raw)) and files == run["raw_files"]
    assert run["raw_as_of_date"] == as_of
    assert run["dbt_error"] == 0 and run["dbt_skip"] == 0 and run["dbt_pass"] > 400
    assert run["quality_suites_passed"] == len(load_specs()) and run["quality_expectations_failed"] == 0
    assert run["dbt_core_version"] == importlib.metadata.version("dbt-core")
    assert run["duckdb_version"] == duckdb.__version__


def demo_query() -> str:
    """The query `make build` prints as its hint."""
    match = re.search(r"^DEMO_QUERY := (.*?)\n\n", MAKEFILE.read_text(), re.S | re.M)
    assert match, "DEMO_QUERY not found in the Makefile"
    return re.sub(r"\s*\\\n\s*", " ", match[1])


def test_the_query_make_build_suggests_runs_through_csops_sql(built_warehouse, capsys):
    warehouse, _ = built_warehouse
    assert main(["sql", "--warehouse", str(warehouse), "--csv", demo_query()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "segment,paying_customers,mrr_amount"
    assert {line.split(",")[0] for line in lines[1:]} == {"smb", "mid_market", "enterprise"}
