{#-
    The journey funnel: for each monthly cohort (the month of the customer's first trial or
    contract) and segment (as known on the as-of day), how many customers reached each journey
    stage by the as-of day and the median days from the start of their journey to the first day
    in the stage. One row per cohort, segment and stage (every stage of seed journey_stages, in
    its funnel_order; a stage nobody reached has 0 customers and no median). A cohort's later
    stages keep filling in as it ages: compare cohorts of the same age.
-#}

with

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

customers as (

    select * from {{ ref('int_customers_journey_summarised') }}

),

current_segments as (

    select
        journey_days.customer_id,
        journey_days.segment
    from journey_days
    inner join {{ ref('int_warehouse_as_of') }} as as_of on journey_days.journey_date = as_of.as_of_date

),

stages as (

    select * from {{ ref('journey_stages') }}

),

cohorts as (

    select
        customers.customer_id,
        cast({{ dbt.date_trunc('month', 'customers.journey_start_date') }} as date) as cohort_month,
        customers.journey_start_date,
        current_segments.segment
    from customers
    inner join current_segments on customers.customer_id = current_segments.customer_id

),

first_reached as (

    select
        customer_id,
        journey_stage,
        min(journey_date) as first_reached_date
    from journey_days
    group by customer_id, journey_stage

),

cohort_sizes as (

    select
        cohort_month,
        segment,
        count(*) as cohort_customers
    from cohorts
    group by cohort_month, segment

),

reached as (

    select
        cohorts.cohort_month,
        cohorts.segment,
        first_reached.journey_stage,
        count(*) as customers_reached,
        percentile_cont(0.5) within group (
            order by {{ dbt.datediff('cohorts.journey_start_date', 'first_reached.first_reached_date', 'day') }}
        ) as median_days_to_reach
    from cohorts
    inner join first_reached on cohorts.customer_id = first_reached.customer_id
    group by cohorts.cohort_month, cohorts.segment, first_reached.journey_stage

),

final as (

    select
        {{ csops.generate_surrogate_key(['cohort_sizes.cohort_month', 'cohort_sizes.segment', 'stages.stage']) }}
            as journey_funnel_id,
        cohort_sizes.cohort_month,
        cohort_sizes.segment,
        stages.stage as journey_stage,
        stages.funnel_order,
        cast(cohort_sizes.cohort_customers as integer) as cohort_customers,
        cast(coalesce(reached.customers_reached, 0) as integer) as customers_reached,
        coalesce(reached.customers_reached, 0) * 1.0 / cohort_sizes.cohort_customers as reached_ratio,
        cast(reached.median_days_to_reach as double) as median_days_to_reach
    from cohort_sizes
    cross join stages
    left join reached
        on
            cohort_sizes.cohort_month = reached.cohort_month
            and cohort_sizes.segment = reached.segment
            and stages.stage = reached.journey_stage

)

select * from final
