"""The Great Expectations suites pass on the clean warehouse and fail on each corruption they exist
to catch. Each test copies the warehouse `make test` built, breaks one thing, and runs the suites.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from csops.quality import format_report, load_specs, run

pytestmark = pytest.mark.warehouse


@pytest.fixture
def copy(built_warehouse, tmp_path) -> Path:
    warehouse, _ = built_warehouse
    # same file name: dbt-duckdb's views name their catalog after the file
    target = tmp_path / "copy" / warehouse.name
    target.parent.mkdir()
    shutil.copy(warehouse, target)
    return target


def corrupt(path: Path, *statements: str) -> None:
    with duckdb.connect(str(path)) as con:
        for sql in statements:
            con.execute(sql)


def failed(report, suite: str, expectation: str, column: str | None) -> bool:
    return any(o.suite == suite and o.expectation == expectation and o.column == column and o.status == "failed"
               for o in report.outcomes)


def test_clean_warehouse_passes_every_suite(copy, tmp_path):
    report = run(copy, gx_root=tmp_path)
    assert report.success, format_report(report)
    assert len({o.suite for o in report.outcomes}) == len(load_specs())
    assert report.data_docs is not None and report.data_docs.is_file()


def test_duplicated_customer_fails(copy, tmp_path):
    corrupt(copy, "insert into marts.dim_customers select * from marts.dim_customers limit 1")
    report = run(copy, gx_root=tmp_path, only=["customer_360"])
    assert failed(report, "customer_360", "expect_column_values_to_be_unique", "customer_id"), format_report(report)
    assert not report.success


def test_negative_mrr_fails(copy, tmp_path):
    corrupt(copy, "update intermediate.int_customers_mrr_monthly set mrr_amount = -mrr_amount "
                  "where customer_month_id = (select min(customer_month_id) from intermediate.int_customers_mrr_monthly"
                  " where mrr_amount > 0)")
    report = run(copy, gx_root=tmp_path, only=["customer_mrr"])
    assert failed(report, "customer_mrr", "expect_column_values_to_be_between", "mrr_amount"), format_report(report)


def test_broken_identity_link_fails(copy, tmp_path):
    corrupt(copy, "update intermediate.int_customers_identity_resolved set is_resolved = false, customer_id = null, "
                  "customer_account_id = null where source_table = 'customers' and source_id = "
                  "(select min(billing_customer_id) from staging.stg_billing__customers where not is_test_account)")
    report = run(copy, gx_root=tmp_path, only=["identity_consistency"])
    assert failed(report, "identity_consistency", "expect_column_values_to_be_in_set", "is_accounted_for"), \
        format_report(report)


def test_stale_source_fails(copy, tmp_path):
    corrupt(copy,
            "alter view raw_support.tickets rename to tickets_as_loaded",
            "create view raw_support.tickets as select * replace (_loaded_at - interval 10 day as _loaded_at) "
            "from raw_support.tickets_as_loaded")
    report = run(copy, gx_root=tmp_path, only=["source_freshness"])
    bad = [o for o in report.failures() if o.suite == "source_freshness"]
    assert failed(report, "source_freshness", "expect_column_values_to_be_between", "hours_over_allowance"), \
        format_report(report)
    assert bad[0].failing == 1


def test_paid_above_due_fails(copy, tmp_path):
    corrupt(copy,
            "alter view staging.stg_billing__invoices rename to stg_billing__invoices_as_built",
            "create view staging.stg_billing__invoices as select * replace (case when invoice_id = "
            "(select min(invoice_id) from staging.stg_billing__invoices_as_built) then amount_due + 1 "
            "else amount_paid end as amount_paid) from staging.stg_billing__invoices_as_built")
    report = run(copy, gx_root=tmp_path, only=["billing_consistency"])
    assert failed(report, "billing_consistency", "expect_column_pair_values_a_to_be_greater_than_b", "amount_due"), \
        format_report(report)


def test_mrr_that_disagrees_with_billing_fails(copy, tmp_path):
    corrupt(copy, "update marts.rpt_revenue_retention set closing_mrr_amount = closing_mrr_amount * 1.1 "
                  "where month_start_date = (select max(month_start_date) from marts.rpt_revenue_retention)")
    report = run(copy, gx_root=tmp_path, only=["mrr_matches_billing"])
    assert failed(report, "mrr_matches_billing", "expect_column_values_to_be_between", "gap_beyond_rounding")


def test_a_cs_action_without_owner_or_due_before_creation_fails(copy, tmp_path):
    corrupt(copy,
            "update marts.fct_cs_actions set owner_id = null "
            "where cs_action_id = (select min(cs_action_id) from marts.fct_cs_actions)",
            "update marts.fct_cs_actions set due_date = created_date "
            "where cs_action_id = (select max(cs_action_id) from marts.fct_cs_actions)")
    report = run(copy, gx_root=tmp_path, only=["cs_actions"])
    assert failed(report, "cs_actions", "expect_column_values_to_not_be_null", "owner_id"), format_report(report)
    assert any(o.suite == "cs_actions" and o.expectation == "expect_column_pair_values_a_to_be_greater_than_b"
               and o.status == "failed" for o in report.outcomes), format_report(report)
    assert not report.success


def test_an_active_customer_without_a_journey_stage_today_fails(copy, tmp_path):
    corrupt(copy,
            "delete from marts.fct_customer_journey_daily "
            "where journey_date = (select as_of_date from intermediate.int_warehouse_as_of) "
            "and customer_id = (select min(customer_id) from marts.dim_customers where lifecycle_status = 'paying')")
    report = run(copy, gx_root=tmp_path, only=["journey_today"])
    assert failed(report, "journey_today", "expect_column_values_to_be_between", "stages_today"), format_report(report)
    assert not report.success


def test_a_suite_whose_query_errors_is_a_failure(copy, tmp_path):
    corrupt(copy, "drop view data_quality.rpt_source_loads")
    report = run(copy, gx_root=tmp_path, only=["source_freshness"])
    assert not report.success
    assert [o.status for o in report.outcomes] == ["errored"]
    assert "ERRORED" in format_report(report)


def test_a_customer_listed_twice_in_the_identity_report_is_still_one_link(copy, tmp_path):
    # found on medium data: two issues for one billing customer must not look like two links
    corrupt(copy,
            "insert into data_quality.rpt_identity_resolution_issues "
            "select 'a', 'billing', 'customers', source_id, 'conflicting_match', 'test', customer_account_id "
            "from intermediate.int_customers_identity_resolved where source_table = 'customers' and is_resolved "
            "and not is_test_account limit 1",
            "insert into data_quality.rpt_identity_resolution_issues "
            "select 'b', 'billing', 'customers', source_id, 'several_billing_customers', 'test', customer_account_id "
            "from intermediate.int_customers_identity_resolved where source_table = 'customers' and is_resolved "
            "and not is_test_account limit 1")
    report = run(copy, gx_root=tmp_path, only=["identity_consistency"])
    assert report.success, format_report(report)


def test_a_suite_requiring_a_switched_off_system_is_skipped_with_one_line(copy, tmp_path):
    corrupt(copy, "update data_quality.rpt_source_systems set is_enabled = false where source_system = 'product'",
            "drop table staging.stg_product__events")
    report = run(copy, gx_root=tmp_path, only=["product_events", "customer_360"])
    assert report.success, format_report(report)
    assert [s.suite for s in report.skipped] == ["product_events"]
    assert {o.suite for o in report.outcomes} == {"customer_360"}
    assert "SKIPPED  product_events" in format_report(report)
    assert "enable_product: false" in format_report(report)


def test_a_suite_requiring_a_system_that_is_on_still_runs_and_fails(copy, tmp_path):
    corrupt(copy, "drop table staging.stg_product__events")
    report = run(copy, gx_root=tmp_path, only=["product_events"])
    assert not report.skipped and not report.success, format_report(report)


def test_an_empty_raw_table_is_not_stale(copy, tmp_path):
    corrupt(copy,
            "alter view raw_community.posts rename to posts_as_loaded",
            "create view raw_community.posts as select * from raw_community.posts_as_loaded limit 0")
    report = run(copy, gx_root=tmp_path, only=["source_freshness"])
    assert report.success, format_report(report)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select _loaded_at, load_status from data_quality.rpt_source_loads "
                           "where source_table = 'posts'").fetchone() == (None, "empty")


def test_requires_names_only_optional_systems(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "s.yml").write_text("name: s\nquery: select 1 as x\nrequires: [billing]\n"
                                  "expectations:\n  - expect_column_to_exist: {column: x}\n")
    config = tmp_path / "config.yml"
    config.write_text("{}\n")
    with pytest.raises(Exception, match="requires must be a list of optional systems"):
        load_specs(suites, config)


def test_a_paying_customer_without_a_churn_features_row_today_fails(copy, tmp_path):
    corrupt(copy,
            "delete from marts.ml_churn_features where is_latest_observation "
            "and customer_id = (select min(customer_id) from marts.dim_customers where lifecycle_status = 'paying')")
    report = run(copy, gx_root=tmp_path, only=["churn_features_today"])
    assert failed(report, "churn_features_today", "expect_column_values_to_be_between", "rows_today"), (
        format_report(report))
    assert not report.success


def test_churn_features_mrr_apart_from_revenue_today_fails(copy, tmp_path):
    corrupt(copy, "update marts.ml_churn_features set mrr_amount = mrr_amount + 1 where is_latest_observation")
    report = run(copy, gx_root=tmp_path, only=["churn_features_today"])
    assert failed(report, "churn_features_today", "expect_column_values_to_be_in_set", "is_same_mrr"), (
        format_report(report))
    assert not report.success
