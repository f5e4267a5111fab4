-- The MRR bridge balances to the cent, every month: last month's closing MRR + new + expansion
-- + reactivation - contraction - churn + fx impact (reporting_fx_method = period_start; 0 at
-- constant rates) = this month's closing MRR, and the closing MRR equals
-- the sum of every customer's MRR. Returns the months that do not add up.
with

customer_totals as (

    select
        month_start_date,
        sum(mrr_amount) as customers_mrr_amount
    from {{ ref('int_customers_mrr_monthly') }}
    group by month_start_date

),

movement_totals as (

    select
        month_start_date,
        sum(mrr_change_amount) as net_movement_amount
    from {{ ref('fct_mrr_movements') }}
    group by month_start_date

),

report as (

    select
        month_start_date,
        opening_mrr_amount,
        new_mrr_amount,
        expansion_mrr_amount,
        reactivation_mrr_amount,
        contraction_mrr_amount,
        churned_mrr_amount,
        fx_impact_mrr_amount,
        closing_mrr_amount,
        lag(closing_mrr_amount) over (order by month_start_date) as previous_closing_mrr_amount
    from {{ ref('rpt_revenue_retention') }}

)

select
    report.month_start_date,
    report.opening_mrr_amount,
    report.closing_mrr_amount,
    customer_totals.customers_mrr_amount,
    movement_totals.net_movement_amount
from report
left join customer_totals on report.month_start_date = customer_totals.month_start_date
left join movement_totals on report.month_start_date = movement_totals.month_start_date
where
    report.opening_mrr_amount + report.new_mrr_amount + report.expansion_mrr_amount
    + report.reactivation_mrr_amount - report.contraction_mrr_amount - report.churned_mrr_amount
    + report.fx_impact_mrr_amount
    != report.closing_mrr_amount
    or report.closing_mrr_amount != coalesce(customer_totals.customers_mrr_amount, 0)
    or report.opening_mrr_amount + coalesce(movement_totals.net_movement_amount, 0) != report.closing_mrr_amount
    or report.opening_mrr_amount != coalesce(report.previous_closing_mrr_amount, 0)
