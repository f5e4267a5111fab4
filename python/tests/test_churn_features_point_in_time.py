"""The churn models' features of a past day are what the warehouse could have said that day.

ml_churn_features has a row per paying customer at every month end and at the as-of day; its
features may use only the rows loaded by the end of the observation day. This test reads the
warehouse built from the raw data of the warehouse `make test` built, cut at the end of a month end D
(every row loaded before the midnight after D; fixture month_end_cut, shared with the health and
journey tests), and checks that every feature of every row observed up to D equals the full
warehouse's: later loads (a cancellation, an invoice paid or written off, late product events, a
re-synced copy, a new exchange rate) change no feature of a past row.

Which rows compare: the cut is built with its as-of day set to D (var revenue_as_of_date, as on the
evening of D), so its rows are the month ends before D and D itself (its is_latest_observation rows,
the ones a model would have scored on D). D is a month end, so the full warehouse has a row for
every one of them too: the cut's scoring rows must be exactly the training rows the full warehouse
later holds for D - the model is trained on what it scores. Left
out of the comparison: the labels (churn_date, is_label_known, churned_in_window), the only
columns that look past the observation day, and is_latest_observation, which says where a row
stands against the as-of day.
"""

from __future__ import annotations

import duckdb
import pytest
from test_health_point_in_time import columns

pytestmark = pytest.mark.warehouse

TABLE = "marts.ml_churn_features"
NOT_FEATURES = {"churn_date", "is_label_known", "churned_in_window", "is_latest_observation"}


def test_the_features_up_to_day_d_from_raw_data_cut_at_d_equal_the_full_warehouses(month_end_cut):
    warehouse, cut_warehouse, day = month_end_cut.warehouse, month_end_cut.cut_warehouse, month_end_cut.day
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # not vacuous: subscriptions and invoices changed after D, and rows observed up to D have a
        # label the cut cannot know yet
        changed = con.execute(
            "select (select count(*) from staging.stg_billing__subscriptions_history where valid_from::date > ?)"
            " + (select count(*) from staging.stg_billing__invoices_history where valid_from::date > ?)",
            [day, day]).fetchone()[0]
        churned_later = con.execute(
            f"select count(*) from {TABLE} where observation_date <= ? and churn_date > ?", [day, day]).fetchone()[0]
    assert changed > 0 and churned_later > 0, (changed, churned_later)

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as full_warehouse (read_only)")
    con.execute(f"attach '{cut_warehouse}' as cut (read_only)")
    assert con.execute("select as_of_date from cut.intermediate.int_warehouse_as_of").fetchone()[0] == day
    names = [c for c in columns(con, "cut", TABLE) if c not in NOT_FEATURES]
    assert len(names) >= 30 and "days_to_term_end" in names and "mrr_90d_before_amount" in names, names
    select = ", ".join(names)
    where = f"where observation_date <= date '{day}'"
    cut_sql = f"select {select} from cut.{TABLE} {where}"
    full_sql = f"select {select} from full_warehouse.{TABLE} {where}"
    rows, dates = con.execute(f"select count(*), count(distinct observation_date) from ({cut_sql})").fetchone()
    scored = con.execute(f"select count(*) from cut.{TABLE} where is_latest_observation and observation_date = ?",
                         [day]).fetchone()[0]
    only_cut = con.execute(f"select count(*) from ({cut_sql} except all {full_sql})").fetchone()[0]
    only_full = con.execute(f"select count(*) from ({full_sql} except all {cut_sql})").fetchone()[0]
    # the cut knows no label whose window ends after D; the full warehouse knows some of them
    known_in_cut = con.execute(
        f"select count(*) from cut.{TABLE} where is_label_known and observation_date + 90 > ?", [day]).fetchone()[0]
    con.close()
    assert dates >= 3 and scored > 0, f"too little to compare: {rows} rows on {dates} days, {scored} scored on {day}"
    assert known_in_cut == 0
    assert (only_cut, only_full) == (0, 0), (
        f"{TABLE} up to {day}: {only_cut} rows only from the cut, {only_full} only in the full warehouse "
        f"({rows} compared on {dates} observation days)")
