{#-
    Every change of journey stage: one row per customer and day on which the stage differs from
    the day before (the first stage of a journey is no transition; it is the journey's start, in
    fct_customer_journey_daily). transition_rule is the rule that made the new stage apply that
    day (seed journey_stages); only the transitions listed in seed journey_stage_transitions
    occur (tests/journey/assert_journey_transitions_allowed.sql).
-#}

with

days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

entered as (

    select * from days
    where days_in_stage = 1 and previous_stage is not null

),

left_stage as (

    select
        customer_id,
        journey_date,
        days_in_stage
    from days

),

final as (

    select
        {{ csops.generate_surrogate_key(['entered.customer_id', 'entered.journey_date']) }}
            as customer_journey_transition_id,
        entered.customer_id,
        entered.owner_user_id,
        entered.segment,
        entered.previous_stage as from_stage,
        entered.journey_stage as to_stage,
        entered.stage_rule as transition_rule,
        left_stage.days_in_stage as days_in_from_stage,
        entered.journey_date as transition_date
    from entered
    inner join left_stage
        on
            entered.customer_id = left_stage.customer_id
            and left_stage.journey_date = cast({{ dbt.dateadd('day', -1, 'entered.journey_date') }} as date)

)

select * from final
