-- Every customer is in exactly one journey stage on every day of their journey: each customer-day
-- of the journey's inputs (int_journey_customer_days) has exactly one row, with a stage, in
-- fct_customer_journey_daily - none lost, none doubled. Returns the customer-days that do not.
with

inputs as (

    select
        customer_id,
        date_day
    from {{ ref('int_journey_customer_days') }}

),

stages as (

    select
        customer_id,
        journey_date,
        count(*) as stage_rows,
        count(journey_stage) as stage_count
    from {{ ref('fct_customer_journey_daily') }}
    group by customer_id, journey_date

),

final as (

    select
        coalesce(inputs.customer_id, stages.customer_id) as customer_id,
        coalesce(inputs.date_day, stages.journey_date) as journey_date,
        coalesce(stages.stage_rows, 0) as stage_rows,
        coalesce(stages.stage_count, 0) as stage_count
    from inputs
    full outer join stages
        on inputs.customer_id = stages.customer_id and inputs.date_day = stages.journey_date
    where
        inputs.customer_id is null
        or stages.customer_id is null
        or stages.stage_rows != 1
        or stages.stage_count != 1

)

select * from final
