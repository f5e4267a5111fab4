"""The health score of a past day is what the warehouse could have said that day.

A score for day D may use only the rows loaded by the end of D. This test reads the warehouse built
from the raw data of the warehouse `make test` built, cut at the end of a month end D (every row
loaded before the midnight after D; fixture month_end_cut, shared with the journey and churn-feature
tests), and checks that every measure and every score the cut computes for D and the Sundays before
it equals the full warehouse's for the same customer and day: later loads (late events, a ticket's
reply, an invoice paid after D, a re-synced copy) change nothing that was scored before them.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

pytestmark = pytest.mark.warehouse

# the columns that say where a day stands against the warehouse's as-of day, not what was known
AS_OF_COLUMNS = {"is_daily_scored", "is_in_daily_window"}
COMPARED = {
    "intermediate.int_health_measures_unpivoted": "scored_date",
    "intermediate.int_customer_health_scored": "scored_date",
}


def columns(con: duckdb.DuckDBPyConnection, catalog: str, relation: str) -> list[str]:
    schema, table = relation.split(".")
    return [c for (c,) in con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table]).fetchall() if c not in AS_OF_COLUMNS]


def test_the_score_of_day_d_from_raw_data_cut_at_d_equals_the_full_warehouses(month_end_cut):
    warehouse, cut_warehouse, day = month_end_cut.warehouse, month_end_cut.cut_warehouse, month_end_cut.day
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # not vacuous: around D some use arrived late and some tickets changed after D
        late = con.execute(
            "select count(*) from intermediate.int_product_usage_rolled_up "
            "where activity_date <= ? and first_known_date > ?", [day, day]).fetchone()[0]
        changed = con.execute(
            "select count(*) from staging.stg_support__tickets_history "
            "where valid_from < ? and valid_to >= ?", [day + timedelta(days=1)] * 2).fetchone()[0]
    assert late > 0 and changed > 0, (late, changed)

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{cut_warehouse}' as cut (read_only)")
    assert con.execute("select as_of_date from cut.intermediate.int_warehouse_as_of").fetchone()[0] == day
    compared = {}
    for relation, day_column in COMPARED.items():
        names = ", ".join(columns(con, "cut", relation))
        # the days both scored: D, and the days of the two daily windows and the Sundays up to D
        where = (f"where {day_column} <= date '{day}' and {day_column} in (select c.scored_date from "
                 "cut.intermediate.int_health_score_dates as c inner join "
                 "full_warehouse.intermediate.int_health_score_dates as f on c.scored_date = f.scored_date)")
        cut_sql = f"select {names} from cut.{relation} {where}"
        full_sql = f"select {names} from full_warehouse.{relation} {where}"
        rows = con.execute(f"select count(*) from ({cut_sql})").fetchone()[0]
        on_d = con.execute(f"select count(*) from ({cut_sql}) where {day_column} = date '{day}'").fetchone()[0]
        only_cut = con.execute(f"select count(*) from ({cut_sql} except all {full_sql})").fetchone()[0]
        only_full = con.execute(f"select count(*) from ({full_sql} except all {cut_sql})").fetchone()[0]
        compared[relation] = (rows, on_d, only_cut, only_full)
    con.close()
    for relation, (rows, on_d, only_cut, only_full) in compared.items():
        assert rows > 0 and on_d > 0, f"{relation}: nothing scored on {day} from the cut ({rows} rows in all)"
        assert (only_cut, only_full) == (0, 0), (
            f"{relation} up to {day}: {only_cut} rows only from the cut, {only_full} only in the full warehouse "
            f"({rows} compared)")
