"""The past as it was known: the history models answer "what did we know on date D?" exactly.

Cuts the raw data of the warehouse `make test` built at an instant D (every row with
`_loaded_at <= D`, one-file tables and folders of files alike, in the same layout), builds the
staging models of that cut into a second warehouse, and checks, for every history model
(`staging.stg_<system>__<table>_history`), that the cut's current-state model
`stg_<system>__<table>` equals `csops.as_known_at(<history model>, D)` on the full warehouse: all
columns, as multisets. D is a quantile of the mutable tables' loads, so it is a real load instant
(the boundary, `valid_from <= D`) and the test follows the data: on data with one version per
record it mostly proves re-syncs, ties and records not yet loaded; on raw data with version logs
it proves every change. The check must also fail when it should: the full warehouse one load
after D differs from the cut at D. Two instants: the 10th and 50th percentile of the loads
(on today's demo data, one inside the invoices' history, one inside the last day's loads).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

PROJECT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
# the mutable raw tables, each with a history model (one-version tables keep csops.latest_version)
MUTABLE = {"billing.customers", "billing.subscriptions", "billing.subscription_items", "billing.invoices",
           "crm.accounts", "crm.contacts", "crm.opportunities", "product.workspaces", "community.members",
           "support.tickets"}
AT = "getvariable('csops_as_known_at')"  # as_known_at's instant, set per comparison


def dbt(args: list[str], raw: Path, warehouse: Path) -> str:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "CSOPS_RAW_DIR": str(raw), "CSOPS_WAREHOUSE": str(warehouse)}
    r = subprocess.run([str(DBT), *args, "--target-path", str(warehouse.parent / "target"),
                        "--log-path", str(warehouse.parent / "logs")],
                       cwd=PROJECT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


def history_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'staging' "
        "and table_name like 'stg\\_%\\_history' escape '\\' order by 1").fetchall()]


def raw_table(path: Path, raw: Path) -> str:
    """system.table of a raw file: <system>/<table>.parquet or <system>/<table>/.../<part>.parquet."""
    parts = path.relative_to(raw).parts
    return f"{parts[0]}.{Path(parts[1]).stem}"


def loaded_range(path: Path) -> tuple[datetime, datetime] | None:
    """(first, last) _loaded_at of a Parquet file from its footer's statistics, without reading its
    rows; None when the file has no rows or a row group without statistics."""
    meta = pq.ParquetFile(path).metadata
    column = meta.schema.to_arrow_schema().get_field_index("_loaded_at")
    ranges = []
    for group in (meta.row_group(g) for g in range(meta.num_row_groups)):
        if not group.num_rows:
            continue
        stats = group.column(column).statistics
        if stats is None or not stats.has_min_max:
            return None
        ranges.append((stats.min, stats.max))
    return (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else None


def cut_raw(raw: Path, out: Path, at: datetime) -> None:
    """Every raw file's rows loaded by `at`, at the same path under `out`. A part file left with no
    rows is not written (that sync had not happened yet), unless its table would have no file at all.
    A file loaded wholly by `at` is copied as it is and one loaded wholly after it is not read (the
    footer's statistics say which): only the files straddling `at` are filtered row by row."""
    files = sorted(raw.rglob("*.parquet"))
    written: set[str] = set()
    empty: dict[str, Path] = {}
    with duckdb.connect() as con:
        for path in files:
            target = out / path.relative_to(raw)
            table = raw_table(path, raw)
            span = loaded_range(path)
            if span is not None and span[0] > at:
                rows = 0
            elif span is not None and span[1] <= at:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                written.add(table)
                continue
            else:
                rows = con.execute(f"select count(*) from read_parquet('{path.as_posix()}') where _loaded_at <= ?",
                                   [at]).fetchone()[0]
            if rows == 0 and len(path.relative_to(raw).parts) > 2:
                empty.setdefault(table, path)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy (select * from read_parquet('{path.as_posix()}') where _loaded_at <= $at) "
                        f"to '{target.as_posix()}' (format parquet)", {"at": at})
            written.add(table)
        for table, path in empty.items():
            if table not in written:  # no sync of this table by `at`: its columns, no rows
                target = out / path.relative_to(raw)
                target.parent.mkdir(parents=True, exist_ok=True)
                con.execute(f"copy (select * from read_parquet('{path.as_posix()}') limit 0) "
                            f"to '{target.as_posix()}' (format parquet)")


@pytest.fixture(scope="module")
def full(built_warehouse, tmp_path_factory) -> dict:
    """The built warehouse, its raw folder, its history models, the load instants of the mutable
    tables, and as_known_at compiled (by dbt, from the macro) for every history model."""
    warehouse, truth = built_warehouse
    raw = Path(os.environ.get("CSOPS_RAW_DIR", truth.parent / "raw")).resolve()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        models = history_models(con)
    assert {m.removeprefix("stg_").removesuffix("_history").replace("__", ".") for m in models} == MUTABLE
    by_table: dict[str, list[str]] = {}
    for path in sorted(raw.rglob("*.parquet")):
        if raw_table(path, raw) in MUTABLE:
            by_table.setdefault(raw_table(path, raw), []).append(path.as_posix())
    loads = []
    with duckdb.connect() as con:
        for paths in by_table.values():  # one query per table, not per file
            loads += [r[0] for r in con.execute("select _loaded_at from read_parquet(?)", [paths]).fetchall()]
    scratch = tmp_path_factory.mktemp("compile") / "compile.duckdb"
    inline = "".join(f"-- @@ {m}\n{{{{ csops.as_known_at(ref('{m}'), \"{AT}\") }}}}\n" for m in models)
    compiled = dbt(["compile", "--quiet", "--inline", inline], raw, scratch)
    sql = {}
    for chunk in compiled.split("-- @@ ")[1:]:
        name, _, body = chunk.partition("\n")
        sql[name.strip()] = body.strip()
    assert sorted(sql) == models and all(AT in s for s in sql.values())
    return {"warehouse": warehouse, "raw": raw, "models": models, "loads": sorted(loads), "sql": sql}


def differences(con: duckdb.DuckDBPyConnection, model: str, known_sql: str) -> tuple[int, int, int]:
    """(rows of the cut's current-state model, rows only there, rows only in as_known_at) - as multisets."""
    current = f"cut.staging.{model.removesuffix('_history')}"
    rows = con.execute(f"select count(*) from {current}").fetchone()[0]
    only_cut = con.execute(f"select count(*) from (select * from {current} except all {known_sql})").fetchone()[0]
    only_known = con.execute(f"select count(*) from ({known_sql} except all select * from {current})").fetchone()[0]
    return rows, only_cut, only_known


@pytest.mark.warehouse
@pytest.mark.parametrize("quantile", [0.1, 0.5])
def test_the_cut_at_d_is_the_full_warehouse_as_known_at_d(full, tmp_path, quantile):
    loads = full["loads"]
    at = loads[int(quantile * (len(loads) - 1))]  # a real load instant: the boundary valid_from <= D
    later = next((t for t in loads if t > at), None)
    assert later is not None, "D must leave later loads out, or the cut proves nothing"
    cut = tmp_path / "raw"
    cut_raw(full["raw"], cut, at)
    warehouse = tmp_path / "cut" / "cut.duckdb"
    warehouse.parent.mkdir()
    selected = [name for m in full["models"] for name in (m, m.removesuffix("_history"))]
    dbt(["run", "--quiet", "--select", *selected], cut, warehouse)

    con = duckdb.connect()
    con.execute(f"attach '{full['warehouse']}' as full_warehouse (read_only)")
    con.execute(f"attach '{warehouse}' as cut (read_only)")
    con.execute("use full_warehouse")  # the compiled SQL names no catalog: it reads the full warehouse
    mismatched, counted = {}, {}
    for model in full["models"]:
        system, table = model.removeprefix("stg_").removesuffix("_history").split("__")
        full_types = con.execute(f"describe {full['sql'][model]}").fetchall()
        cut_types = con.execute(f"describe cut.staging.stg_{system}__{table}").fetchall()
        assert [c[:2] for c in cut_types] == [c[:2] for c in full_types], f"{model}: columns or types differ"
        loaded_by_d = con.execute(
            f"select count(*) from raw_{system}.{table} where _loaded_at <= ?", [at]).fetchone()[0]
        con.execute("set variable csops_as_known_at = ?", [at])
        rows, only_cut, only_known = differences(con, model, full["sql"][model])
        counted[model] = rows
        if only_cut or only_known:
            mismatched[model] = (only_cut, only_known)
        # not vacuous: where the full data had rows loaded by D, the cut has rows
        assert rows > 0 or loaded_by_d == 0, f"{model}: {loaded_by_d} raw rows loaded by {at}, none staged"
        assert rows <= loaded_by_d
    assert mismatched == {}, f"at {at}, (rows only in the cut, rows only in as_known_at) per model: {mismatched}"
    assert sum(counted.values()) > 0

    # ...and the comparison can fail: the full warehouse as known at the next load after D differs from the cut at D
    con.execute("set variable csops_as_known_at = ?", [later])
    assert any(differences(con, model, full["sql"][model])[1:] != (0, 0) for model in full["models"]), \
        f"the full warehouse at {later} should differ from the cut at {at}"
    con.close()


@pytest.mark.unit
def test_the_cut_keeps_the_layout_and_leaves_out_later_syncs(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    at = datetime(2026, 10, 2, 12)
    for folder, day in (("loaded_date=2026-10-01", 1), ("loaded_date=2026-10-03", 3)):
        (raw / "crm" / "accounts" / folder).mkdir(parents=True)
        duckdb.sql(f"copy (select 'A{day}' as id, timestamp '2026-10-0{day} 06:00:00' as _loaded_at) "
                   f"to '{raw / 'crm' / 'accounts' / folder / 'part-0.parquet'}' (format parquet)")
    (raw / "product" / "events").mkdir(parents=True)  # a folder table with no sync by `at`
    duckdb.sql(f"copy (select 1 as event_id, timestamp '2026-10-05' as _loaded_at) "
               f"to '{raw / 'product' / 'events' / 'part-0.parquet'}' (format parquet)")
    (raw / "billing").mkdir()
    duckdb.sql("copy (select * from (values ('P1', timestamp '2026-10-01'), ('P2', timestamp '2026-10-02 12:00:00'), "
               "('P3', timestamp '2026-10-04')) as t(id, _loaded_at)) "
               f"to '{raw / 'billing' / 'plans.parquet'}' (format parquet)")
    cut_raw(raw, out, at)
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
    assert written == ["billing/plans.parquet", "crm/accounts/loaded_date=2026-10-01/part-0.parquet",
                       "product/events/part-0.parquet"]

    def ids(path: Path) -> list:
        return [r[0] for r in duckdb.sql(f"select * from read_parquet('{path}') order by 1").fetchall()]
    assert ids(out / "billing" / "plans.parquet") == ["P1", "P2"]  # the boundary: loaded exactly at `at`
    assert ids(out / "crm" / "accounts" / "loaded_date=2026-10-01" / "part-0.parquet") == ["A1"]
    assert ids(out / "product" / "events" / "part-0.parquet") == []
    assert [c[0] for c in duckdb.sql(f"describe select * from '{out / 'product' / 'events' / 'part-0.parquet'}'")
            .fetchall()] == ["event_id", "_loaded_at"]
