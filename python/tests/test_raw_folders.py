"""A raw table may be a folder of Parquet files instead of one file: the marts come out the same.

Splits every table of the tiny data into a folder of several files, as an EL tool's daily syncs
write them (`<system>/<table>/loaded_date=.../part-0.parquet`), with one part's columns in
another order and an optional column left out of one table; builds the models with dbt once
from the files and once from the folders, and compares a hash of the ordered rows of every mart
and report.
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

from csops.raw_contract import tables
from csops.raw_variants import single_files

pytestmark = pytest.mark.dbt

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
PARTS = 3
OPTIONAL_LEFT_OUT = ("crm", "contacts", "title")  # a column the contract marks required: false
# which run built it: rpt_warehouse_as_of's run, ml_churn_predictions' scoring time
RUN_COLUMNS = {"dbt_invocation_id", "built_at", "scored_at"}


def split_into_folders(raw: Path, out: Path) -> int:
    """Every registry table of `raw` as PARTS files under out/<system>/<table>/; returns the files written."""
    written = 0
    for table in tables():
        data = pq.read_table(raw / table.system / f"{table.name}.parquet")  # single_files: one file per table
        size = -(-data.num_rows // PARTS)
        for i in range(PARTS):
            part = data.slice(i * size, size)
            if i == 1:  # union_by_name: a file whose columns come in another order
                part = part.select(list(reversed(part.column_names)))
            if (table.system, table.name) == OPTIONAL_LEFT_OUT[:2]:  # read as null; no mart uses it
                part = part.drop_columns([OPTIONAL_LEFT_OUT[2]])
            folder = out / table.system / table.name / f"loaded_date=2026-10-{i + 1:02d}"
            folder.mkdir(parents=True)
            pq.write_table(part, folder / "part-0.parquet")
            written += 1
    return written


def build(raw: Path, warehouse: Path) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(raw),
           "CSOPS_WAREHOUSE": str(warehouse)}
    r = subprocess.run([str(DBT), "build", "--select", "+path:models/marts", "+path:models/reports",
                        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test", "--target-path",
                        str(warehouse.parent / "target"), "--log-path", str(warehouse.parent / "logs")],
                       cwd=PROJECT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def marts_digest(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of the ordered rows of every relation BI reads (the marts and data_quality schemas),
    leaving out the columns that say which run built them."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where table_schema in ('marts', 'data_quality') order by 1, 2, ordinal_position").fetchall():
            if column not in RUN_COLUMNS:
                columns.setdefault(f"{schema}.{table}", []).append(f'"{column}"')
        return {name: con.execute(
            f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
            f"from (select cast(row({', '.join(cols)}) as varchar) as r from {name})").fetchone()
            for name, cols in columns.items()}


def test_folders_of_files_build_the_same_marts(tiny, tmp_path):
    # the demo's daily partitions as one file per table, then split again into three parts
    one_file = tmp_path / "single_raw"
    shutil.copytree(tiny / "raw", one_file)
    single_files(one_file)
    folders = tmp_path / "folders"
    assert split_into_folders(one_file, folders) == PARTS * len(tables())
    single, split = tmp_path / "single" / "w.duckdb", tmp_path / "split" / "w.duckdb"
    single.parent.mkdir()
    split.parent.mkdir()
    build(one_file, single)
    build(folders, split)
    expected = marts_digest(single)
    assert len(expected) >= 15 and expected["marts.dim_customers"][0] > 0
    assert expected["data_quality.rpt_raw_row_reconciliation"][0] == len(tables())
    assert marts_digest(split) == expected
