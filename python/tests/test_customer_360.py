"""dim_customers graded against the ground truth on the warehouse `make test` built."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

pytestmark = pytest.mark.warehouse


@pytest.fixture
def con(built_warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    warehouse, truth = built_warehouse
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(f"create temp view truth_customers as select * from read_parquet('{truth}/customers.parquet')")
    con.execute(f"create temp view truth_health as select * from read_parquet('{truth}/health_monthly.parquet')")
    con.execute(f"create temp view truth_churns as select * from read_parquet('{truth}/churn_events.parquet')")
    yield con
    con.close()


def test_one_row_per_true_customer(con):
    missing, extra, dupes = con.execute("""
        select
            (select count(*) from truth_customers t
             where not exists (select 1 from marts.dim_customers d where d.crm_account_id = t.crm_account_id)),
            (select count(*) from marts.dim_customers d
             where not exists (select 1 from truth_customers t where d.crm_account_id = t.crm_account_id)),
            (select count(*) - count(distinct crm_account_id) from marts.dim_customers)
    """).fetchone()
    assert (missing, extra, dupes) == (0, 0, 0)


def test_lifecycle_status_agrees_with_the_truth(con):
    rows = con.execute("""
        select
            case
                -- the trial ends 14 days after signup (on the 1st of the next month if that lands after the 28th)
                when t.had_trial and (t.paid_start_date is null or t.paid_start_date >= date '2026-11-01')
                    and (case when day(t.signup_date + 14) > 28
                              then date_trunc('month', t.signup_date + 14) + interval 1 month
                              else t.signup_date + 14 end) >= date '2026-11-01' then 'trialing'
                when not t.converted then 'trial_not_converted'
                when t.is_churned then 'churned'
                when exists (select 1 from truth_health h where h.customer_key = t.customer_key
                             and h.month_start = date '2026-10-01' and h.is_paused) then 'paused'
                else 'paying'
            end as true_status,
            d.lifecycle_status,
            count(*)
        from truth_customers t
        join marts.dim_customers d on d.crm_account_id = t.crm_account_id
        group by all
    """).fetchall()
    wrong = [(t, d, n) for t, d, n in rows if t != d]
    assert not wrong, rows
    assert {t for t, _, _ in rows} >= {"paying", "churned", "trial_not_converted"}


def test_customer_mrr_adds_up_to_the_revenue_report(con):
    dim_total, report_total = con.execute("""
        select
            (select sum(mrr_amount) from marts.dim_customers),
            (select closing_mrr_amount from marts.rpt_revenue_retention
             order by month_start_date desc limit 1)
    """).fetchone()
    assert dim_total == report_total
    assert dim_total > 0


def test_churn_type_agrees_with_the_truth(con):
    """A churned customer's churn_type is the kind of their last true churn (voluntary or involuntary)."""
    rows = con.execute("""
        with last_true_churn as (
            select customer_key, arg_max(churn_kind, churn_date) as churn_kind
            from truth_churns group by customer_key
        )
        select l.churn_kind, d.churn_type, d.payment_status, count(*)
        from marts.dim_customers d
        join truth_customers t on d.crm_account_id = t.crm_account_id
        join last_true_churn l on l.customer_key = t.customer_key
        where d.lifecycle_status = 'churned'
        group by all
    """).fetchall()
    wrong = [r for r in rows if r[0] != r[1]]
    assert not wrong, rows
    # billing wrote off the last invoice of exactly the customers lost to failed payments
    assert all((kind == "involuntary") == (status == "written_off") for kind, _, status, _ in rows), rows
