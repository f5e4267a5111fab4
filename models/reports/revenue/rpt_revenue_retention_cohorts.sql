{#-
    Retention by signup cohort: customers grouped by the month they first paid, followed month by
    month. Read a row as "of the customers who started paying in cohort_month, k months later ...".
-#}

with

customer_months as (

    select * from {{ ref('int_customers_mrr_monthly') }}

),

starts as (

    select
        customer_id,
        mrr_amount as starting_mrr_amount
    from customer_months
    where months_since_first_paid = 0

),

final as (

    select
        customer_months.first_paid_month as cohort_month,
        customer_months.months_since_first_paid,
        customer_months.month_start_date,
        cast(sum(starts.starting_mrr_amount) as decimal(18, 2)) as starting_mrr_amount,
        cast(sum(customer_months.mrr_amount) as decimal(18, 2)) as mrr_amount,
        count(*) as cohort_customers,
        count(case when customer_months.mrr_amount > 0 then customer_months.customer_id end) as active_customers,
        count(case when customer_months.mrr_amount > 0 then customer_months.customer_id end) * 1.0 / count(*)
            as logo_retention_ratio,
        case
            when sum(starts.starting_mrr_amount) > 0
                then sum(customer_months.mrr_amount) / sum(starts.starting_mrr_amount)
        end as nrr_ratio,
        case
            when sum(starts.starting_mrr_amount) > 0
                then sum(
                        case
                            when customer_months.mrr_amount < starts.starting_mrr_amount then customer_months.mrr_amount
                            else starts.starting_mrr_amount
                        end
                    ) / sum(starts.starting_mrr_amount)
        end as grr_ratio
    from customer_months
    inner join starts on customer_months.customer_id = starts.customer_id
    group by customer_months.first_paid_month, customer_months.months_since_first_paid, customer_months.month_start_date

)

select * from final
