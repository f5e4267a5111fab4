"""A customer's journey stage, and the signals the CS plays read, on a past day are what the warehouse
could have said that day.

A stage for day D may use only the rows loaded by the end of D and the customer's days before D.
This test reads the warehouse built from the raw data of the warehouse `make test` built, cut at the
end of a month end D (every row loaded before the midnight after D; fixture month_end_cut, shared
with the health and churn-feature tests), and checks that the rules and the stage of every customer on every day
up to D equal the full warehouse's: later loads (a subscription cancelled after D, late product
events, a re-synced copy) change nothing before them. That is also why fct_customer_journey_daily
can add days incrementally: a test runs its incremental branch on a copy of the full warehouse whose
newest month was removed and finds the full refresh's rows.

int_cs_signals_daily (what every play reads) reads the journey, so the same cut warehouse holds it:
every signal of every customer-day up to D that both warehouses hold is the same - late product
events, NPS answers, contact or subscription changes loaded after D change no signal before them, so
an action raised on a past day was raised on what was known then.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from test_health_point_in_time import columns
from test_point_in_time import dbt

pytestmark = pytest.mark.warehouse

COMPARED = ["intermediate.int_journey_rules_applied", "intermediate.int_journey_stages_chosen"]
SIGNALS = "intermediate.int_cs_signals_daily"


@pytest.fixture(scope="module")
def cut_at_d(month_end_cut) -> tuple[Path, Path, object]:
    """(full warehouse, warehouse built from the raw data cut at the end of D, D): the journey and
    the signal table (which reads the journey), from the session's one cut build."""
    return month_end_cut.warehouse, month_end_cut.cut_warehouse, month_end_cut.day


def test_the_journey_up_to_day_d_from_raw_data_cut_at_d_equals_the_full_warehouses(cut_at_d):
    warehouse, cut_warehouse, day = cut_at_d
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # not vacuous: subscriptions changed after D (cancellations, conversions, ends), and some
        # customers' stages changed after D
        changed = con.execute(
            "select count(*) from staging.stg_billing__subscriptions_history where cast(valid_from as date) > ?",
            [day]).fetchone()[0]
        moved = con.execute(
            "select count(*) from marts.fct_customer_journey_transitions where transition_date > ?",
            [day]).fetchone()[0]
    assert changed > 0 and moved > 0, (changed, moved)


    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{cut_warehouse}' as cut (read_only)")
    assert con.execute("select as_of_date from cut.intermediate.int_warehouse_as_of").fetchone()[0] == day
    compared = {}
    for relation in COMPARED:
        names = ", ".join(columns(con, "cut", relation))
        where = f"where date_day <= date '{day}'"
        cut_sql = f"select {names} from cut.{relation} {where}"
        full_sql = f"select {names} from full_warehouse.{relation} {where}"
        rows = con.execute(f"select count(*) from ({cut_sql})").fetchone()[0]
        on_d = con.execute(f"select count(*) from ({cut_sql}) where date_day = date '{day}'").fetchone()[0]
        only_cut = con.execute(f"select count(*) from ({cut_sql} except all {full_sql})").fetchone()[0]
        only_full = con.execute(f"select count(*) from ({full_sql} except all {cut_sql})").fetchone()[0]
        compared[relation] = (rows, on_d, only_cut, only_full)
    stages_on_d = con.execute(
        "select count(distinct journey_stage) from cut.intermediate.int_journey_stages_chosen "
        f"where date_day = date '{day}'").fetchone()[0]
    con.close()
    assert stages_on_d >= 3, f"only {stages_on_d} stages on {day}: too little to compare"
    for relation, (rows, on_d, only_cut, only_full) in compared.items():
        assert rows > 0 and on_d > 0, f"{relation}: nothing on {day} from the cut ({rows} rows in all)"
        assert (only_cut, only_full) == (0, 0), (
            f"{relation} up to {day}: {only_cut} rows only from the cut, {only_full} only in the full warehouse "
            f"({rows} compared)")


def test_the_incremental_journey_equals_the_full_refresh(built_warehouse, tmp_path):
    warehouse, truth = built_warehouse
    raw = Path(os.environ.get("CSOPS_RAW_DIR", truth.parent / "raw")).resolve()
    copy = tmp_path / "incremental" / "incremental.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        latest = con.execute("select max(journey_date) from marts.fct_customer_journey_daily").fetchone()[0]
        con.execute("delete from marts.fct_customer_journey_daily where journey_date > ?",
                    [latest - timedelta(days=30)])
        kept = con.execute("select count(*) from marts.fct_customer_journey_daily").fetchone()[0]
    assert kept > 0
    dbt(["run", "--quiet", "--select", "fct_customer_journey_daily"], raw, copy)

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{copy}' as incremental (read_only)")
    table = "marts.fct_customer_journey_daily"
    total = con.execute(f"select count(*) from full_warehouse.{table}").fetchone()[0]
    only_incremental = con.execute(
        f"select count(*) from (select * from incremental.{table} except all select * from full_warehouse.{table})"
    ).fetchone()[0]
    only_full = con.execute(
        f"select count(*) from (select * from full_warehouse.{table} except all select * from incremental.{table})"
    ).fetchone()[0]
    con.close()
    assert total > kept
    assert (only_incremental, only_full) == (0, 0), (only_incremental, only_full, total)


def test_the_signals_of_day_d_from_raw_data_cut_at_d_equal_the_full_warehouses(cut_at_d):
    warehouse, cut_warehouse, day = cut_at_d
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # not vacuous: some product use up to D arrived after D, and the full warehouse has
        # signals it could not have had on D
        late = con.execute(
            "select count(*) from intermediate.int_product_usage_rolled_up "
            "where activity_date <= ? and first_known_date > ?", [day, day]).fetchone()[0]
        after = con.execute(f"select count(*) from {SIGNALS} where signal_date > ?", [day]).fetchone()[0]
    assert late > 0 and after > 0, (late, after)

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{cut_warehouse}' as cut (read_only)")
    assert con.execute("select as_of_date from cut.intermediate.int_warehouse_as_of").fetchone()[0] == day
    names = ", ".join(columns(con, "cut", SIGNALS))
    where = (f"where signal_date <= date '{day}' and signal_date in "
             f"(select signal_date from full_warehouse.{SIGNALS})")
    cut_sql = f"select {names} from cut.{SIGNALS} {where}"
    full_sql = f"select {names} from full_warehouse.{SIGNALS} {where} and signal_date in "
    full_sql += f"(select signal_date from cut.{SIGNALS})"
    rows = con.execute(f"select count(*) from ({cut_sql})").fetchone()[0]
    on_d = con.execute(f"select count(*) from ({cut_sql}) where signal_date = date '{day}'").fetchone()[0]
    only_cut = con.execute(f"select count(*) from ({cut_sql} except all {full_sql})").fetchone()[0]
    only_full = con.execute(f"select count(*) from ({full_sql} except all {cut_sql})").fetchone()[0]
    con.close()
    assert rows > 0 and on_d > 0, f"nothing signalled on {day} from the cut ({rows} rows in all)"
    assert (only_cut, only_full) == (0, 0), (
        f"{SIGNALS} up to {day}: {only_cut} rows only from the cut, {only_full} only in the full warehouse "
        f"({rows} compared)")
