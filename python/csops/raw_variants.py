"""Variants of a raw folder for `make test`: a company's data that differs from the demo's.

`make dbt-test-company-data` builds the tiny data after changing it the way a real company's exports
differ: an optional table with no rows (its columns only), a plan tier the demo never uses. The
tiny data is hard-linked, not copied; a changed table is written to a new file, so the tiny data
itself is never touched.

    python -m csops.raw_variants copy SRC DST [--without SYSTEM ...]
    python -m csops.raw_variants empty DIR SYSTEM.TABLE
    python -m csops.raw_variants set DIR SYSTEM.TABLE COLUMN OLD NEW
    python -m csops.raw_variants expect-warn RUN_RESULTS TEST_NAME_PART
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from .errors import CsopsError


class VariantError(CsopsError):
    """A raw table or a test result that a variant needs is not there."""


def copy_raw(src: Path, dst: Path, without: list[str] = ()) -> None:
    """Hard-link every file of src into dst, leaving out the folders of the systems in `without`."""
    if not src.is_dir():
        raise VariantError(f"no raw folder at {src}; run make dbt-test first")
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if rel.parts[0] in without or path.is_dir():
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def _table_files(raw_dir: Path, table: str) -> list[Path]:
    """The files of a raw table: <system>/<table>.parquet, or every .parquet file under <system>/<table>/."""
    system, _, name = table.partition(".")
    path = raw_dir / system / f"{name}.parquet"
    folder = raw_dir / system / name
    if name and path.is_file():
        return [path]
    parts = sorted(folder.rglob("*.parquet")) if name and folder.is_dir() else []
    if not parts:
        raise VariantError(f"no raw table {table} at {path} or {folder}/")
    return parts


def single_files(raw_dir: Path) -> None:
    """Turn every raw table that is a folder of files into one file <system>/<table>.parquet (in load
    order), the other layout the raw contract accepts."""
    import duckdb

    for folder in sorted(p for p in raw_dir.glob("*/*") if p.is_dir()):
        target = folder.with_name(f"{folder.name}.parquet")
        with duckdb.connect() as con:
            con.execute(f"copy (select * from read_parquet('{folder.as_posix()}/**/*.parquet', union_by_name = true, "
                        f"hive_partitioning = false)) to '{target.as_posix()}' (format parquet)")
        shutil.rmtree(folder)


def _rewrite(path: Path, select: str, params: list) -> None:
    """Replace the file with the result of `select` (reading `src`), as a new file (never in place)."""
    import duckdb

    tmp = path.with_suffix(".parquet.tmp")
    with duckdb.connect() as con:
        con.execute(f"create view src as select * from read_parquet('{path.as_posix()}')")
        con.execute(f"copy ({select}) to '{tmp.as_posix()}' (format parquet)", params)
    os.replace(tmp, path)


def empty_table(raw_dir: Path, table: str) -> None:
    """The table keeps its columns and loses every row (a folder keeps one file, with no rows)."""
    first, *others = _table_files(raw_dir, table)
    _rewrite(first, "select * from src limit 0", [])
    for path in others:
        path.unlink()


def set_value(raw_dir: Path, table: str, column: str, old: str, new: str) -> int:
    """Rewrite one value of a text column (e.g. a plan tier); returns the rows changed."""
    import duckdb

    paths = _table_files(raw_dir, table)
    total = 0
    for path in paths:
        with duckdb.connect() as con:
            columns = [r[0] for r in con.execute(f"describe select * from read_parquet('{path.as_posix()}')")
                       .fetchall()]
            if column not in columns:
                raise VariantError(f"raw table {table} has no column {column}")
            changed = con.execute(f"select count(*) from read_parquet('{path.as_posix()}') where \"{column}\" = ?",
                                  [old]).fetchone()[0]
        if changed:
            select = ", ".join(f"case when \"{c}\" = ? then ? else \"{c}\" end as \"{c}\"" if c == column
                               else f'"{c}"' for c in columns)
            _rewrite(path, f"select {select} from src", [old, new])
            total += changed
    if total == 0:
        raise VariantError(f"no row of {table} has {column} = {old!r}")
    return total


def warned_tests(run_results: Path, name_part: str) -> list[str]:
    """The tests of a dbt run whose id contains name_part and that warned."""
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError) as e:
        raise VariantError(f"cannot read dbt's run results {run_results}: {e}") from e
    return [r["unique_id"] for r in results if name_part in r["unique_id"] and r["status"] == "warn"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m csops.raw_variants", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("copy")
    c.add_argument("src", type=Path)
    c.add_argument("dst", type=Path)
    c.add_argument("--without", action="append", default=[])
    e = sub.add_parser("empty")
    e.add_argument("raw_dir", type=Path)
    e.add_argument("table")
    s = sub.add_parser("set")
    s.add_argument("raw_dir", type=Path)
    s.add_argument("table")
    s.add_argument("column")
    s.add_argument("old")
    s.add_argument("new")
    w = sub.add_parser("expect-warn")
    w.add_argument("run_results", type=Path)
    w.add_argument("name_part")
    args = parser.parse_args(argv)
    try:
        if args.command == "copy":
            copy_raw(args.src, args.dst, args.without)
        elif args.command == "empty":
            empty_table(args.raw_dir, args.table)
            print(f"{args.table}: emptied (columns kept)")
        elif args.command == "set":
            n = set_value(args.raw_dir, args.table, args.column, args.old, args.new)
            print(f"{args.table}.{args.column}: {n} rows {args.old!r} -> {args.new!r}")
        else:
            warned = warned_tests(args.run_results, args.name_part)
            if not warned:
                print(f"error: no test matching {args.name_part!r} warned in {args.run_results}", file=sys.stderr)
                return 1
            print("warned, as expected: " + ", ".join(warned))
    except CsopsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
