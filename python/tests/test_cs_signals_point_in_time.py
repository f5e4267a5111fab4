"""The CS plays' signals for a past day are what the warehouse could have said that day.

int_cs_signals_daily (what every play reads) may use only rows loaded by the end of its day D. This
test cuts the raw data of the warehouse `make test` built at the end of a day D, builds the signal
table from the cut into a second warehouse, and checks that every signal of every customer-day up to
D that both warehouses hold is the same: later loads (late product events, NPS answers, contact or
subscription changes loaded after D, an invoice paid later) change no signal of a day before them.
So an action raised on a past day was raised on what was known then.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from test_health_point_in_time import columns, pick_day
from test_point_in_time import cut_raw, dbt

pytestmark = pytest.mark.warehouse

RELATION = "intermediate.int_cs_signals_daily"


def test_the_signals_of_day_d_from_raw_data_cut_at_d_equal_the_full_warehouses(built_warehouse, tmp_path):
    warehouse, truth = built_warehouse
    raw = Path(os.environ.get("CSOPS_RAW_DIR", truth.parent / "raw")).resolve()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        day = pick_day(con)
        # not vacuous: some product use up to D arrived after D, and the full warehouse has
        # signals it could not have had on D
        late = con.execute(
            "select count(*) from intermediate.int_product_usage_rolled_up "
            "where activity_date <= ? and first_known_date > ?", [day, day]).fetchone()[0]
        after = con.execute(f"select count(*) from {RELATION} where signal_date > ?", [day]).fetchone()[0]
        assert late > 0 and after > 0, (late, after)

    end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
    cut = tmp_path / "raw"
    cut_raw(raw, cut, end_of_day)
    cut_warehouse = tmp_path / "cut" / "cut.duckdb"
    cut_warehouse.parent.mkdir()
    dbt(["build", "--quiet", "--select", "+int_cs_signals_daily",
         "--exclude", "resource_type:test", "resource_type:unit_test"], cut, cut_warehouse)

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{cut_warehouse}' as cut (read_only)")
    assert con.execute("select as_of_date from cut.intermediate.int_warehouse_as_of").fetchone()[0] == day
    names = ", ".join(columns(con, "cut", RELATION))
    where = (f"where signal_date <= date '{day}' and signal_date in "
             f"(select signal_date from full_warehouse.{RELATION})")
    cut_sql = f"select {names} from cut.{RELATION} {where}"
    full_sql = f"select {names} from full_warehouse.{RELATION} {where} and signal_date in "
    full_sql += f"(select signal_date from cut.{RELATION})"
    rows = con.execute(f"select count(*) from ({cut_sql})").fetchone()[0]
    on_d = con.execute(f"select count(*) from ({cut_sql}) where signal_date = date '{day}'").fetchone()[0]
    only_cut = con.execute(f"select count(*) from ({cut_sql} except all {full_sql})").fetchone()[0]
    only_full = con.execute(f"select count(*) from ({full_sql} except all {cut_sql})").fetchone()[0]
    con.close()
    assert rows > 0 and on_d > 0, f"nothing signalled on {day} from the cut ({rows} rows in all)"
    assert (only_cut, only_full) == (0, 0), (
        f"{RELATION} up to {day}: {only_cut} rows only from the cut, {only_full} only in the full warehouse "
        f"({rows} compared)")
