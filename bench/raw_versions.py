"""Rows, files and versions per record of every raw table of a generated raw folder.

A version is a distinct row but for `_loaded_at` (re-synced duplicates are not versions); the record
is the table's first column. Usage:

    python bench/raw_versions.py data/demo/raw [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def measure(raw: Path) -> list[tuple]:
    con = duckdb.connect()
    rows = []
    for folder in sorted(p for p in raw.glob("*/*") if p.is_dir()):
        files = sum(1 for _ in folder.rglob("*.parquet"))
        src = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = false)"
        key = con.execute(f"select * from {src} limit 0").description[0][0]
        n, records, mean, most, multi = con.execute(f"""
            with v as (select distinct * exclude (_loaded_at) from {src}),
            per as (select {key}, count(*) as k from v group by 1)
            select (select count(*) from {src}), count(*), avg(k), max(k), avg(case when k > 1 then 1 else 0 end)
            from per""").fetchone()
        rows.append((f"{folder.parent.name}.{folder.name}", n, files, records, mean or 0, most or 0, multi or 0))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw", type=Path)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    out = measure(args.raw)
    print("| table | rows | files | records | versions per record (mean) | max | records with >1 version |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, n, files, records, mean, most, multi in out:
        print(f"| {name} | {n:,} | {files:,} | {records:,} | {mean:.2f} | {most} | {multi:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
