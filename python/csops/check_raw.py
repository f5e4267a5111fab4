"""`csops check-raw DIR`: a folder of exports against the raw contract, before dbt runs.

The contract is the registry in the sources YAML (`csops.raw_contract`). A raw table is one file
`<system>/<table>.parquet` or a folder of files `<system>/<table>/**/*.parquet` (read as dbt
reads them: by column name, no hive partitioning). Each problem is one line naming the file:

- a system or table that is missing (every system but the ones passed as `skip`; crm and billing
  can never be skipped), or a table given both as a file and as a folder;
- a required column that is missing, or a column whose Parquet type does not fit the contract's
  type (`integer` takes any integer width, `timestamp` any unit with or without a zone);
- a primary key repeated within one `_loaded_at` (a later load of the same key is a re-sync and
  fine);
- an instant without its UTC offset where the contract says `timestamptz`: a Parquet timestamp
  without a zone, or ISO strings without an offset;
- a currency code that is not in `billing.fx_rates` (or, without that file, not three letters);
- no `billing.fx_rates` (it is optional: a single-currency company needs none) while billing
  uses more than one currency - amounts in the others could not be converted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import CsopsError
from .raw_contract import REQUIRED_SYSTEMS, ROOT, RawColumn, RawTable, load

OFFSET = r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
EXAMPLES = 3


class CheckRawError(CsopsError):
    """A usage error of `csops check-raw`: no such folder, or a system that cannot be skipped."""


@dataclass(frozen=True)
class Located:
    """Where a raw table's files are: `label` names it in messages, `reader` is the DuckDB table function."""

    label: str
    files: tuple[Path, ...]
    reader: str


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def locate(raw_dir: Path, table: RawTable) -> Located | str:
    """The table's file or folder, or a problem line when it has neither or both."""
    file = raw_dir / table.system / f"{table.name}.parquet"
    folder = raw_dir / table.system / table.name
    parts = tuple(sorted(p for p in folder.glob("**/*.parquet") if p.is_file())) if folder.is_dir() else ()
    if file.is_file() and parts:
        return f"{table.system}/{table.name}: both {table.name}.parquet and the folder {table.name}/ exist; keep one"
    if file.is_file():
        return Located(f"{table.system}/{table.name}.parquet", (file,), f"read_parquet({_sql_string(str(file))})")
    if parts:
        pattern = _sql_string(f"{folder.as_posix()}/**/*.parquet")
        return Located(f"{table.system}/{table.name}/", parts,
                       f"read_parquet({pattern}, union_by_name = true, hive_partitioning = false)")
    return f"{table.system}/{table.name}: table missing (no {table.name}.parquet and no folder {table.name}/)"


def read_schema(located: Located) -> dict[str, pa.DataType] | str:
    """Column name -> Parquet type over all the table's files, or a problem line when unreadable or inconsistent."""
    types: dict[str, pa.DataType] = {}
    for path in located.files:
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as e:
            return f"{located.label}: {path.name} is not a readable Parquet file ({e})"
        for field in schema:
            seen = types.setdefault(field.name, field.type)
            if seen != field.type and kind(seen) != kind(field.type):
                return (f"{located.label}: column {field.name} is {seen} in some files and {field.type} "
                        f"in {path.parent.name}/{path.name}")
    return types


def kind(t: pa.DataType) -> str:
    """A Parquet type's family, as the contract names types."""
    if pa.types.is_dictionary(t):
        return kind(t.value_type)
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "double"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", bool)(t):
        return "varchar"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    return str(t)


def type_problem(label: str, column: RawColumn, actual: pa.DataType) -> str | None:
    """A line when the Parquet type cannot hold the contract's type."""
    family = kind(actual)
    fits = {
        "integer": ("integer",),
        "double": ("double", "integer"),
        "varchar": ("varchar",),
        "boolean": ("boolean",),
        "date": ("date",),
        "timestamp": ("timestamp", "timestamptz"),
        "timestamptz": ("timestamptz", "varchar"),
    }[column.data_type]
    if family in fits:
        return None
    if column.data_type == "timestamptz" and family == "timestamp":
        return (f"{label}: column {column.name} is a timestamp without time zone ({actual}); expected timestamptz "
                f"(an instant: a timestamp with time zone, or ISO strings with their UTC offset)")
    return f"{label}: column {column.name} is {actual}, expected {column.data_type}"


def column_problems(located: Located, table: RawTable, schema: dict[str, pa.DataType]) -> list[str]:
    problems = []
    for column in table.columns:
        if column.name not in schema:
            if column.required:
                problems.append(f"{located.label}: column {column.name} missing (required, {column.data_type})")
            continue
        problem = type_problem(located.label, column, schema[column.name])
        if problem:
            problems.append(problem)
    return problems


def _examples(values: Iterable[object]) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)


def duplicate_key_problem(con: duckdb.DuckDBPyConnection, located: Located, table: RawTable) -> str | None:
    key = ", ".join(f'"{c}"' for c in table.primary_key)
    row = con.execute(f"""
        select count(*), list(k order by k)[1:{EXAMPLES}]
        from (select concat_ws('|', {key}) as k from {located.reader}
              group by {key}, _loaded_at having count(*) > 1)
    """).fetchone()
    if not row[0]:
        return None
    return (f"{located.label}: {row[0]} primary key(s) ({', '.join(table.primary_key)}) repeated within one "
            f"_loaded_at, e.g. {_examples(row[1])}")


def naive_timestamp_problem(con: duckdb.DuckDBPyConnection, located: Located, column: RawColumn) -> str | None:
    """For a timestamptz column given as text: the values without a UTC offset."""
    row = con.execute(f"""
        select count(*), list(v order by v)[1:{EXAMPLES}]
        from (select distinct trim("{column.name}") as v from {located.reader}
              where "{column.name}" is not null and not regexp_matches(trim("{column.name}"), ?))
    """, [OFFSET]).fetchone()
    if not row[0]:
        return None
    return (f"{located.label}: column {column.name} has {row[0]} timestamp(s) without a UTC offset "
            f"(expected timestamptz), e.g. {_examples(row[1])}")


def known_currencies(con: duckdb.DuckDBPyConnection, fx: Located | None, fx_columns: Iterable[str]) -> set[str] | None:
    """The currencies billing.fx_rates has rates for (quote and base), upper case; None without usable rates."""
    columns = [c for c in ("base_currency", "quote_currency") if c in set(fx_columns)]
    if fx is None or not columns:
        return None
    union = " union ".join(f'select upper(trim("{c}")) as c from {fx.reader}' for c in columns)
    return {r[0] for r in con.execute(f"select c from ({union}) where c is not null").fetchall()}


def currency_problem(con: duckdb.DuckDBPyConnection, located: Located, column: RawColumn,
                     known: set[str] | None) -> str | None:
    values = [r[0] for r in con.execute(
        f'select distinct trim("{column.name}") from {located.reader} where "{column.name}" is not null order by 1'
    ).fetchall()]
    if known is None:
        unknown = [v for v in values if not re.fullmatch(r"[A-Za-z]{3}", v)]
        why = "not ISO-4217 codes (three letters)"
    else:
        unknown = [v for v in values if v.upper() not in known]
        why = "no rates in billing/fx_rates"
    if not unknown:
        return None
    return f"{located.label}: column {column.name} has unknown currencies ({why}): {_examples(unknown[:EXAMPLES + 2])}"


def _check_skips(registry: dict[str, dict[str, RawTable]], skip: Iterable[str]) -> set[str]:
    skipped = set(skip)
    for name in sorted(skipped):
        if name not in registry:
            raise CheckRawError(f"--skip-system {name}: no such system; the systems are {', '.join(registry)}")
        if name in REQUIRED_SYSTEMS:
            raise CheckRawError(f"--skip-system {name}: {' and '.join(REQUIRED_SYSTEMS)} are required and cannot "
                                f"be skipped")
    return skipped


def check(raw_dir: Path, skip: Iterable[str] = (), root: Path = ROOT) -> list[str]:
    """Every problem of the exports in `raw_dir`, one line each (empty when they match the contract)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise CheckRawError(f"no raw data folder at {raw_dir}; point it at your exports "
                            f"(<dir>/<system>/<table>.parquet or <dir>/<system>/<table>/*.parquet)")
    registry = load(root)
    skipped = _check_skips(registry, skip)
    con = duckdb.connect()
    known = _currencies_of(con, raw_dir, registry)
    problems: list[str] = []
    for system, tables in registry.items():
        if system in skipped:
            continue
        if not (raw_dir / system).is_dir():
            problems.append(f"{system}/: system missing ({len(tables)} tables: {', '.join(tables)})"
                            + ("" if system in REQUIRED_SYSTEMS else f"; pass --skip-system {system} if you "
                               f"do not use it"))
            continue
        for table in tables.values():
            if not table.required and not isinstance(locate(raw_dir, table), Located):
                problems += optional_table_problems(con, raw_dir, registry, table)
                continue
            problems += table_problems(con, raw_dir, table, known)
    return problems


def billing_currencies(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                       registry: dict[str, dict[str, RawTable]]) -> set[str]:
    """Every currency code billing's tables use (their `currency: true` columns), upper case."""
    found: set[str] = set()
    for table in registry.get("billing", {}).values():
        located = locate(raw_dir, table)
        if not isinstance(located, Located):
            continue
        schema = read_schema(located)
        if not isinstance(schema, dict):
            continue
        for column in table.columns:
            if column.is_currency and column.name in schema and kind(schema[column.name]) == "varchar":
                found |= {r[0] for r in con.execute(
                    f'select distinct upper(trim("{column.name}")) from {located.reader} '
                    f'where "{column.name}" is not null').fetchall()}
    return found


def optional_table_problems(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                            registry: dict[str, dict[str, RawTable]], table: RawTable) -> list[str]:
    """A table the contract lets an export leave out; billing.fx_rates only while one currency is billed."""
    if (table.system, table.name) != ("billing", "fx_rates"):
        return []
    used = billing_currencies(con, raw_dir, registry)
    if len(used) <= 1:
        return []
    return [f"billing/fx_rates: table missing, but billing uses {len(used)} currencies ({', '.join(sorted(used))}); "
            f"add their rates (only a company billing in one currency, its reporting currency, needs no fx file)"]


def _currencies_of(con: duckdb.DuckDBPyConnection, raw_dir: Path,
                   registry: dict[str, dict[str, RawTable]]) -> set[str] | None:
    fx_table = registry.get("billing", {}).get("fx_rates")
    fx = locate(raw_dir, fx_table) if fx_table else None
    if not isinstance(fx, Located):
        return None
    schema = read_schema(fx)
    return known_currencies(con, fx, schema) if isinstance(schema, dict) else None


def table_problems(con: duckdb.DuckDBPyConnection, raw_dir: Path, table: RawTable,
                   known: set[str] | None) -> list[str]:
    """One table's problems: where it is, its columns, then its keys, instants and currencies."""
    located = locate(raw_dir, table)
    if isinstance(located, str):
        return [located]
    schema = read_schema(located)
    if isinstance(schema, str):
        return [schema]
    problems = column_problems(located, table, schema)
    fits = {c.name for c in table.columns if c.name in schema and not type_problem("", c, schema[c.name])}
    if set(table.primary_key) <= fits and "_loaded_at" in schema:
        problems += filter(None, [duplicate_key_problem(con, located, table)])
    for column in table.columns:
        if column.name not in fits:
            continue
        if column.data_type == "timestamptz" and kind(schema[column.name]) == "varchar":
            problems += filter(None, [naive_timestamp_problem(con, located, column)])
        if column.is_currency and kind(schema[column.name]) == "varchar":
            problems += filter(None, [currency_problem(con, located, column, known)])
    return problems
