-- The journey only makes the stage changes seed journey_stage_transitions allows (churned never
-- jumps straight to adoption; a paying customer never goes back to trial). Returns the changes
-- that are not listed, with how often they happen.
with

transitions as (

    select * from {{ ref('fct_customer_journey_transitions') }}

),

allowed as (

    select * from {{ ref('journey_stage_transitions') }}

),

final as (

    select
        transitions.from_stage,
        transitions.to_stage,
        count(*) as transitions,
        min(transitions.transition_date) as first_transition_date
    from transitions
    left join allowed
        on transitions.from_stage = allowed.from_stage and transitions.to_stage = allowed.to_stage
    where allowed.from_stage is null
    group by transitions.from_stage, transitions.to_stage

)

select * from final
