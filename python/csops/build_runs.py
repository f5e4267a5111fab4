"""The build history in the published warehouse: `meta.build_runs` and `meta.build_raw_files`.

`meta.build_runs` has one row per `csops build`: published, or failed (a failed run is written
with the next build that publishes, since a failed build leaves the published file untouched).
`meta.build_raw_files` has the fingerprint of every raw file a published run read: the next build
compares the raw folder with it to decide whether it is the same dataset.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from .fingerprint import FileFingerprint
from .warehouse import WarehouseError, lock_holder, locked_message, one_line

META_SCHEMA = "meta"

# meta.build_runs: one row per build, published or failed (documented in the README).
BUILD_RUNS_COLUMNS: dict[str, str] = {
    "run_id": "varchar",
    "status": "varchar",  # published, dbt_failed, quality_failed
    "started_at": "timestamp",  # UTC
    "finished_at": "timestamp",  # UTC
    "is_full_refresh": "boolean",
    "previous_run_id": "varchar",  # the published run this build started from; null when from empty
    "raw_source_mode": "varchar",
    "raw_data_location": "varchar",
    "raw_fingerprint": "varchar",
    "raw_files": "bigint",
    "raw_bytes": "bigint",
    "raw_as_of_date": "date",
    "dbt_vars": "varchar",
    "dbt_core_version": "varchar",
    "dbt_duckdb_version": "varchar",
    "duckdb_version": "varchar",
    "great_expectations_version": "varchar",
    "csops_version": "varchar",
    "dbt_pass": "bigint",
    "dbt_warn": "bigint",
    "dbt_error": "bigint",
    "dbt_skip": "bigint",
    "quality_suites_passed": "bigint",
    "quality_suites_failed": "bigint",
    "quality_expectations_passed": "bigint",
    "quality_expectations_failed": "bigint",
    "message": "varchar",
}
BUILD_RAW_FILES_COLUMNS: dict[str, str] = {
    "run_id": "varchar",
    "file_path": "varchar",
    "size_bytes": "bigint",
    "sha256": "varchar",
    "is_sampled": "boolean",
}
VERSIONED_PACKAGES = {
    "dbt_core_version": "dbt-core",
    "dbt_duckdb_version": "dbt-duckdb",
    "duckdb_version": "duckdb",
    "great_expectations_version": "great-expectations",
    "csops_version": "csops",
}

@dataclass
class BuildRun:
    """One row of meta.build_runs."""

    run_id: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    is_full_refresh: bool = False
    previous_run_id: str | None = None
    raw_source_mode: str = "parquet"
    raw_data_location: str | None = None
    raw_fingerprint: str | None = None
    raw_files: int | None = None
    raw_bytes: int | None = None
    raw_as_of_date: date | None = None
    dbt_vars: str | None = None
    dbt_core_version: str | None = None
    dbt_duckdb_version: str | None = None
    duckdb_version: str | None = None
    great_expectations_version: str | None = None
    csops_version: str | None = None
    dbt_pass: int | None = None
    dbt_warn: int | None = None
    dbt_error: int | None = None
    dbt_skip: int | None = None
    quality_suites_passed: int | None = None
    quality_suites_failed: int | None = None
    quality_expectations_passed: int | None = None
    quality_expectations_failed: int | None = None
    message: str | None = None


def component_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for column, package in VERSIONED_PACKAGES.items():
        try:
            versions[column] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[column] = None
    return versions


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def last_published(con: duckdb.DuckDBPyConnection) -> tuple[str, list[FileFingerprint]] | None:
    """The newest published run in this warehouse and the raw files it read; None without a history."""
    if not table_exists(con, META_SCHEMA, "build_runs"):
        return None
    row = con.execute(f"select run_id from {META_SCHEMA}.build_runs where status = 'published' "
                      f"order by finished_at desc limit 1").fetchone()
    if row is None:
        return None
    files = [FileFingerprint(*r) for r in con.execute(
        f"select file_path, size_bytes, sha256, is_sampled from {META_SCHEMA}.build_raw_files "
        f"where run_id = ? order by file_path", [row[0]]).fetchall()]
    return row[0], files


def ensure_meta_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create meta.build_runs and meta.build_raw_files, adding columns an older csops did not have."""
    con.execute(f"create schema if not exists {META_SCHEMA}")
    for table, columns in (("build_runs", BUILD_RUNS_COLUMNS), ("build_raw_files", BUILD_RAW_FILES_COLUMNS)):
        definition = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        con.execute(f"create table if not exists {META_SCHEMA}.{table} ({definition})")
        have = {r[0] for r in con.execute("select column_name from information_schema.columns where table_catalog "
                                          "= current_database() and table_schema = ? and table_name = ?",
                                          [META_SCHEMA, table]).fetchall()}
        for name, kind in columns.items():
            if name not in have:
                con.execute(f"alter table {META_SCHEMA}.{table} add column {name} {kind}")


def carry_history(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    """Copy meta.build_runs / build_raw_files from the published warehouse into a build that started empty."""
    escaped = str(previous).replace("'", "''")
    try:
        con.execute(f"attach '{escaped}' as published_warehouse (read_only)")
    except duckdb.Error as e:
        holder = lock_holder(e)
        raise WarehouseError(locked_message(previous, holder) if holder
                             else f"cannot read the build history of {previous}: {one_line(e)}") from e
    try:
        for table in ("build_runs", "build_raw_files"):
            exists = con.execute("select count(*) from information_schema.tables where table_catalog = "
                                 "'published_warehouse' and table_schema = ? and table_name = ?",
                                 [META_SCHEMA, table]).fetchone()[0]
            if exists:
                con.execute(f"insert into {META_SCHEMA}.{table} by name "
                            f"select * from published_warehouse.{META_SCHEMA}.{table}")
    finally:
        con.execute("detach published_warehouse")


def insert_run(con: duckdb.DuckDBPyConnection, run: BuildRun) -> None:
    row = asdict(run)
    names = list(BUILD_RUNS_COLUMNS)
    con.execute(f"insert into {META_SCHEMA}.build_runs ({', '.join(names)}) "
                f"values ({', '.join('?' for _ in names)})", [row[n] for n in names])


def insert_raw_files(con: duckdb.DuckDBPyConnection, run_id: str, files: list[FileFingerprint]) -> None:
    if files:
        con.executemany(f"insert into {META_SCHEMA}.build_raw_files values (?, ?, ?, ?, ?)",
                        [(run_id, f.path, f.size_bytes, f.sha256, f.is_sampled) for f in files])


def read_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    try:
        row = con.execute("select as_of_date from intermediate.int_warehouse_as_of").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def run_to_json(run: BuildRun) -> str:
    return json.dumps(asdict(run), default=str)


def run_from_json(line: str) -> BuildRun:
    data = json.loads(line)
    for key in ("started_at", "finished_at"):
        data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
    data["raw_as_of_date"] = date.fromisoformat(data["raw_as_of_date"]) if data.get("raw_as_of_date") else None
    return BuildRun(**{k: v for k, v in data.items() if k in BUILD_RUNS_COLUMNS})
