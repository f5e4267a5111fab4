"""Fingerprint every relation of a warehouse, to prove a refactor changed no numbers.

Usage:
    python bench/hash_relations.py WAREHOUSE OUT.json              # md5 of each relation's rows
    python bench/hash_relations.py --compare BEFORE.json AFTER.json [--schemas marts,data_quality,snapshots]

Each relation's hash is the md5 of its rows, each row rendered as text with its columns in name
order, sorted; dbt's snapshot metadata columns (dbt_*) are left out, because they record when a
build ran. Build the warehouse before and after a change from the same raw data (e.g. tiny and
small, seed 42) and compare: the house refactor of 2026-11-29 was checked this way (DECISIONS.md).
"""

from __future__ import annotations

import argparse
import json
import sys

import duckdb

SKIP_SCHEMAS = ("information_schema", "pg_catalog")


def hash_relations(warehouse: str) -> dict[str, dict]:
    con = duckdb.connect(warehouse, read_only=True)
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not like 'raw_%' and table_schema not like 'dbt_test%' order by 1, 2"
    ).fetchall()
    result = {}
    for schema, table in relations:
        if schema in SKIP_SCHEMAS:
            continue
        columns = sorted(
            name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
            if not name.startswith("dbt_")
        )
        column_list = ", ".join(f'"{c}"' for c in columns)
        digest, rows = con.execute(
            f"select md5(string_agg(r, chr(10) order by r)), count(*) "
            f'from (select cast(row({column_list}) as varchar) as r from "{schema}"."{table}")'
        ).fetchone()
        result[f"{schema}.{table}"] = {"hash": digest, "rows": rows, "columns": columns}
    return result


def compare(before: dict, after: dict, schemas: tuple[str, ...]) -> int:
    differ = 0
    for name in sorted(set(before) | set(after)):
        if not name.startswith(schemas):
            continue
        if name not in after:
            print(f"missing after: {name}")
            differ += 1
        elif name not in before:
            print(f"new: {name}")
        elif before[name]["hash"] != after[name]["hash"]:
            added = sorted(set(after[name]["columns"]) - set(before[name]["columns"]))
            removed = sorted(set(before[name]["columns"]) - set(after[name]["columns"]))
            print(f"differs: {name} rows {before[name]['rows']} -> {after[name]['rows']}"
                  f"{f'; columns added {added}' if added else ''}{f'; removed {removed}' if removed else ''}")
            differ += 1
    compared = sum(1 for n in before if n.startswith(schemas))
    print(f"{compared} relations compared, {differ} differ")
    return 1 if differ else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", action="store_true", help="compare two JSON files written by this script")
    ap.add_argument("--schemas", default="marts,data_quality,snapshots", help="schemas to compare")
    ap.add_argument("first")
    ap.add_argument("second")
    args = ap.parse_args()
    if args.compare:
        with open(args.first) as a, open(args.second) as b:
            return compare(json.load(a), json.load(b), tuple(f"{s}." for s in args.schemas.split(",")))
    with open(args.second, "w") as out:
        json.dump(hash_relations(args.first), out, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
