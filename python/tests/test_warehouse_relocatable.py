"""The warehouse file can be copied, renamed or attached under another name: every view still works.

DuckDB names a file's catalog after the file; a view whose SQL names that catalog breaks in a
copy with another name. The project's ref() and source() (macros/relations.sql) leave the catalog
out on DuckDB. These tests copy the warehouse `make test` built to another folder and name, then
rename the copy, then attach it under an alias, and query every view each time; and they prove
that the same check fails on a view that does name its catalog.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.warehouse


def views(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, str]]:
    return con.execute(
        "select schema_name, view_name, sql from duckdb_views() "
        "where not internal and database_name = ? order by schema_name, view_name", [catalog]).fetchall()


def query_every_view(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, view) of every view in the catalog; a view that cannot be queried fails the test.

    `limit 0`: DuckDB binds a view's SQL (resolving every catalog, schema and table it names) when
    it is queried, before any row is read, so a name that does not resolve fails here just the
    same (test_a_view_that_names_its_catalog_fails_the_check proves it) without computing every
    staging view three times."""
    found = views(con, catalog)
    for schema, view, _ in found:
        con.execute(f'select * from "{catalog}"."{schema}"."{view}" limit 0').fetchall()
    return [(schema, view) for schema, view, _ in found]


@pytest.fixture
def copied(built_warehouse, tmp_path) -> tuple[Path, Path]:
    """(the built warehouse, a copy of it in another folder under another name)."""
    warehouse, _ = built_warehouse
    copy = tmp_path / "elsewhere" / "other_copy.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    assert copy.stem != warehouse.stem
    return warehouse, copy


def test_no_view_names_its_catalog(built_warehouse):
    warehouse, _ = built_warehouse
    catalog = warehouse.stem
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = views(con, catalog)
    named = [f"{schema}.{view}" for schema, view, sql in found
             if re.search(rf'(?<![\w."]){re.escape(catalog)}\.|"{re.escape(catalog)}"\.', sql)]
    assert found and named == [], f"views whose SQL names the catalog {catalog}: {named}"


def test_every_view_works_from_a_copy_a_rename_and_an_alias(copied):
    warehouse, copy = copied
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = [(schema, view) for schema, view, _ in views(con, warehouse.stem)]
    schemas = {schema for schema, _ in expected}
    assert {"staging", "data_quality", "raw_billing"} <= schemas, schemas

    with duckdb.connect(str(copy), read_only=True) as con:
        assert query_every_view(con, copy.stem) == expected

    renamed = copy.rename(copy.with_name("renamed.duckdb"))
    with duckdb.connect(str(renamed), read_only=True) as con:
        assert query_every_view(con, renamed.stem) == expected

    with duckdb.connect() as con:  # an in-memory default catalog, the warehouse attached beside it
        con.execute(f"attach '{renamed}' as another_alias (read_only)")
        assert query_every_view(con, "another_alias") == expected


def test_a_view_that_names_its_catalog_fails_the_check(built_warehouse, tmp_path):
    warehouse, _ = built_warehouse
    same_name = tmp_path / "same" / warehouse.name
    same_name.parent.mkdir()
    shutil.copy(warehouse, same_name)
    with duckdb.connect(str(same_name)) as con:
        con.execute("create view staging.names_its_catalog as "
                    f'select * from "{warehouse.stem}".staging.stg_crm__accounts')
        query_every_view(con, warehouse.stem)  # works while the file keeps its name
    moved = same_name.rename(tmp_path / "same" / "moved.duckdb")
    with duckdb.connect(str(moved), read_only=True) as con, pytest.raises(duckdb.Error, match="Catalog"):
        query_every_view(con, moved.stem)
