-- fct_customer_journey_transitions has one row for each day on which a customer's stage differs
-- from the day before in fct_customer_journey_daily, and no other. Returns the days that differ.
with

days as (

    select
        customer_id,
        journey_date,
        journey_stage,
        lag(journey_stage) over (partition by customer_id order by journey_date) as day_before_stage
    from {{ ref('fct_customer_journey_daily') }}

),

changes as (

    select
        customer_id,
        journey_date,
        day_before_stage as from_stage,
        journey_stage as to_stage
    from days
    where day_before_stage != journey_stage

),

transitions as (

    select * from {{ ref('fct_customer_journey_transitions') }}

),

final as (

    select
        coalesce(changes.customer_id, transitions.customer_id) as customer_id,
        coalesce(changes.journey_date, transitions.transition_date) as journey_date,
        changes.from_stage as daily_from_stage,
        changes.to_stage as daily_to_stage,
        transitions.from_stage as transition_from_stage,
        transitions.to_stage as transition_to_stage
    from changes
    full outer join transitions
        on changes.customer_id = transitions.customer_id and changes.journey_date = transitions.transition_date
    where
        changes.customer_id is null
        or transitions.customer_id is null
        or changes.from_stage != transitions.from_stage
        or changes.to_stage != transitions.to_stage

)

select * from final
