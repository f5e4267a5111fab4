{#-
    Revenue retention for CS leaders and finance, one row per month (reporting currency; at
    constant exchange rates by default, or each service period at its start's rate with
    reporting_fx_method = period_start, when fx_impact_mrr_amount carries the currency effect). Monthly rates compare the month with its opening; trailing-12-month NRR and
    GRR compare each customer's MRR now with its MRR twelve months earlier.
-#}

with

customer_months as (

    select * from {{ ref('int_customers_mrr_monthly') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

monthly_movements as (

    select
        month_start_date,
        sum(case when movement_type = 'new' then movement_mrr_amount else 0 end) as new_mrr_amount,
        sum(case when movement_type = 'expansion' then movement_mrr_amount else 0 end) as expansion_mrr_amount,
        sum(case when movement_type = 'reactivation' then movement_mrr_amount else 0 end)
            as reactivation_mrr_amount,
        sum(case when movement_type = 'contraction' then movement_mrr_amount else 0 end)
            as contraction_mrr_amount,
        sum(case when movement_type = 'churn' then movement_mrr_amount else 0 end) as churned_mrr_amount,
        -- signed: exchange rates alone (reporting_fx_method = period_start; none at constant rates)
        sum(case when movement_type = 'fx_impact' then mrr_change_amount else 0 end) as fx_impact_mrr_amount,
        count(distinct case when movement_type = 'new' then customer_id end) as new_customers,
        count(distinct case when movement_type = 'reactivation' then customer_id end) as reactivated_customers,
        count(distinct case when movement_type = 'churn' then customer_id end) as churned_customers,
        -- logo churn counts only customers who were in the opening count (MRR at last month's
        -- close): one who started and cancelled within the month churned, but was never opening
        count(distinct case when movement_type = 'churn' and opening_mrr_amount > 0 then customer_id end)
            as churned_opening_customers
    from movements
    group by month_start_date

),

monthly_totals as (

    select
        month_start_date,
        sum(mrr_amount) as closing_mrr_amount,
        count(case when mrr_amount > 0 then customer_id end) as closing_customers
    from customer_months
    group by month_start_date

),

-- each customer's MRR now and twelve months earlier, for trailing-12-month retention
year_over_year as (

    select
        now_month.month_start_date,
        sum(year_ago.mrr_amount) as mrr_12_months_ago_amount,
        sum(now_month.mrr_amount) as retained_customers_mrr_amount,
        sum(case when now_month.mrr_amount < year_ago.mrr_amount then now_month.mrr_amount else year_ago.mrr_amount end)
            as retained_customers_capped_mrr_amount
    from customer_months as now_month
    inner join customer_months as year_ago
        on
            now_month.customer_id = year_ago.customer_id
            and year_ago.month_start_date = cast({{ dbt.dateadd('month', -12, 'now_month.month_start_date') }} as date)
    where year_ago.mrr_amount > 0
    group by now_month.month_start_date

),

combined as (

    select
        totals.month_start_date,
        totals.closing_mrr_amount,
        totals.closing_customers,
        yoy.mrr_12_months_ago_amount,
        yoy.retained_customers_mrr_amount,
        yoy.retained_customers_capped_mrr_amount,
        coalesce(lag(totals.closing_mrr_amount) over (order by totals.month_start_date), 0) as opening_mrr_amount,
        coalesce(lag(totals.closing_customers) over (order by totals.month_start_date), 0) as opening_customers,
        coalesce(mv.new_mrr_amount, 0) as new_mrr_amount,
        coalesce(mv.expansion_mrr_amount, 0) as expansion_mrr_amount,
        coalesce(mv.reactivation_mrr_amount, 0) as reactivation_mrr_amount,
        coalesce(mv.contraction_mrr_amount, 0) as contraction_mrr_amount,
        coalesce(mv.churned_mrr_amount, 0) as churned_mrr_amount,
        coalesce(mv.fx_impact_mrr_amount, 0) as fx_impact_mrr_amount,
        coalesce(mv.new_customers, 0) as new_customers,
        coalesce(mv.reactivated_customers, 0) as reactivated_customers,
        coalesce(mv.churned_customers, 0) as churned_customers,
        coalesce(mv.churned_opening_customers, 0) as churned_opening_customers
    from monthly_totals as totals
    left join monthly_movements as mv on totals.month_start_date = mv.month_start_date
    left join year_over_year as yoy on totals.month_start_date = yoy.month_start_date

),

final as (

    select
        month_start_date,
        cast(opening_mrr_amount as decimal(18, 2)) as opening_mrr_amount,
        cast(new_mrr_amount as decimal(18, 2)) as new_mrr_amount,
        cast(expansion_mrr_amount as decimal(18, 2)) as expansion_mrr_amount,
        cast(reactivation_mrr_amount as decimal(18, 2)) as reactivation_mrr_amount,
        cast(contraction_mrr_amount as decimal(18, 2)) as contraction_mrr_amount,
        cast(churned_mrr_amount as decimal(18, 2)) as churned_mrr_amount,
        cast(fx_impact_mrr_amount as decimal(18, 2)) as fx_impact_mrr_amount,
        cast(closing_mrr_amount as decimal(18, 2)) as closing_mrr_amount,
        cast(closing_mrr_amount * 12 as decimal(18, 2)) as closing_arr_amount,
        opening_customers,
        new_customers,
        reactivated_customers,
        churned_customers,
        churned_opening_customers,
        closing_customers,
        cast(mrr_12_months_ago_amount as decimal(18, 2)) as mrr_12_months_ago_amount,
        case when opening_customers > 0 then churned_opening_customers * 1.0 / opening_customers end
            as logo_churn_ratio,
        case when opening_mrr_amount > 0 then (churned_mrr_amount + contraction_mrr_amount) / opening_mrr_amount end
            as gross_mrr_churn_ratio,
        case
            when opening_mrr_amount > 0
                then (churned_mrr_amount + contraction_mrr_amount - expansion_mrr_amount - reactivation_mrr_amount)
                    / opening_mrr_amount
        end as net_mrr_churn_ratio,
        case
            when churned_mrr_amount + contraction_mrr_amount > 0
                then (new_mrr_amount + expansion_mrr_amount + reactivation_mrr_amount)
                    / (churned_mrr_amount + contraction_mrr_amount)
        end as quick_ratio,
        case
            when mrr_12_months_ago_amount > 0 then retained_customers_mrr_amount / mrr_12_months_ago_amount
        end as nrr_trailing_12m_ratio,
        case
            when mrr_12_months_ago_amount > 0 then retained_customers_capped_mrr_amount / mrr_12_months_ago_amount
        end as grr_trailing_12m_ratio
    from combined

)

select * from final
