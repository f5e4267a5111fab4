"""`csops sql`: run a query on the published warehouse, read-only, and print the result.

The DuckDB command-line tool is not part of the set-up; this is its read-only stand-in. The result
is printed as DuckDB renders a relation, or as CSV with `--csv`. A read-only connection never
blocks a build (builds publish a new file) nor another reader.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from pathlib import Path
from typing import TextIO

import duckdb

from .errors import CsopsError
from .warehouse import connect_read_only, one_line


class SqlError(CsopsError):
    """The query failed (bad SQL, a missing table, an attempt to write); said in one line."""


def run_query(warehouse: Path, query: str, as_csv: bool = False, max_rows: int | None = None,
              out: TextIO | None = None) -> None:
    """Print the query's result; SqlError (or WarehouseError) in one line when it cannot run."""
    out = out or sys.stdout
    if not query.strip():
        raise SqlError("no query given; e.g. csops sql \"select * from marts.dim_customers limit 5\"")
    con = connect_read_only(warehouse)
    try:
        if as_csv:
            _write_csv(con, query, out)
        else:
            relation = con.sql(query)
            if relation is not None:
                out.write(_render(relation, max_rows))
    except duckdb.Error as e:
        raise SqlError(f"{one_line(e)} (on {warehouse}, read-only)") from e
    finally:
        con.close()


def _render(relation: duckdb.DuckDBPyRelation, max_rows: int | None) -> str:
    """DuckDB's own table rendering (it prints; we capture it so the caller chooses the stream)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        relation.show(max_rows=max_rows)
    return buffer.getvalue()


def _write_csv(con: duckdb.DuckDBPyConnection, query: str, out: TextIO) -> None:
    cursor = con.execute(query)
    if cursor.description is None:
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column[0] for column in cursor.description])
    while rows := cursor.fetchmany(10_000):
        writer.writerows(rows)
