{#-
    The journey stage of each customer on each day: of the stages whose rule applies that day
    (int_journey_rules_applied), the one with the highest priority (the lowest number in seed
    journey_stages) - at_risk overrides adoption, churned overrides everything. Every customer-day
    has exactly one stage: churned applies when nothing is live, and a paid customer is always
    in onboarding, adoption or value_realisation at least.
    A stage's run of days is an episode: stage_entered_date is its first day, previous_stage the
    stage of the day before it (null on the customer's first day), days_in_stage counts its days
    up to this one (1 on the day it is entered). stage_rule is the rule that made the stage apply.
-#}

with

rules as (

    select * from {{ ref('int_journey_rules_applied') }}

),

stages as (

    select * from {{ ref('journey_stages') }}

),

applicable as (

    select
        customer_id,
        date_day,
        'churned' as journey_stage,
        churned_rule as stage_rule
    from rules
    where churned_rule is not null
    union all
    select
        customer_id,
        date_day,
        'trial' as journey_stage,
        trial_rule as stage_rule
    from rules
    where trial_rule is not null
    union all
    select
        customer_id,
        date_day,
        'at_risk' as journey_stage,
        at_risk_rule as stage_rule
    from rules
    where at_risk_rule is not null
    union all
    select
        customer_id,
        date_day,
        'reactivated' as journey_stage,
        reactivated_rule as stage_rule
    from rules
    where reactivated_rule is not null
    union all
    select
        customer_id,
        date_day,
        'renewal_window' as journey_stage,
        renewal_window_rule as stage_rule
    from rules
    where renewal_window_rule is not null
    union all
    select
        customer_id,
        date_day,
        'expansion' as journey_stage,
        expansion_rule as stage_rule
    from rules
    where expansion_rule is not null
    union all
    select
        customer_id,
        date_day,
        'onboarding' as journey_stage,
        onboarding_rule as stage_rule
    from rules
    where onboarding_rule is not null
    union all
    select
        customer_id,
        date_day,
        'adoption' as journey_stage,
        adoption_rule as stage_rule
    from rules
    where adoption_rule is not null
    union all
    select
        customer_id,
        date_day,
        'value_realisation' as journey_stage,
        value_realisation_rule as stage_rule
    from rules
    where value_realisation_rule is not null

),

ranked as (

    select
        applicable.customer_id,
        applicable.date_day,
        applicable.journey_stage,
        applicable.stage_rule,
        stages.priority as stage_priority,
        count(*) over (partition by applicable.customer_id, applicable.date_day) as stages_applying,
        row_number() over (
            partition by applicable.customer_id, applicable.date_day
            order by stages.priority, applicable.journey_stage
        ) as priority_rank
    from applicable
    inner join stages on applicable.journey_stage = stages.stage

),

chosen as (

    select
        rules.customer_id,
        rules.date_day,
        rules.journey_start_date,
        rules.segment,
        rules.owner_user_id,
        rules.health_band,
        rules.first_paid_date,
        rules.first_value_date,
        rules.is_onboarding_overdue,
        ranked.journey_stage,
        ranked.stage_rule,
        ranked.stage_priority,
        ranked.stages_applying,
        lag(ranked.journey_stage) over (partition by rules.customer_id order by rules.date_day) as day_before_stage
    from rules
    left join ranked
        on
            rules.customer_id = ranked.customer_id
            and rules.date_day = ranked.date_day
            and ranked.priority_rank = 1

),

episodes as (

    select
        *,
        sum(case when day_before_stage is null or day_before_stage != journey_stage then 1 else 0 end) over (
            partition by customer_id order by date_day rows between unbounded preceding and current row
        ) as stage_episode
    from chosen

),

final as (

    select
        customer_id,
        date_day,
        journey_start_date,
        segment,
        owner_user_id,
        journey_stage,
        stage_rule,
        stage_priority,
        stages_applying,
        stage_episode,
        min(date_day) over (partition by customer_id, stage_episode) as stage_entered_date,
        max(case when day_before_stage != journey_stage then day_before_stage end) over (
            partition by customer_id, stage_episode
        ) as previous_stage,
        row_number() over (partition by customer_id, stage_episode order by date_day) as days_in_stage,
        health_band,
        first_paid_date,
        first_value_date,
        is_onboarding_overdue
    from episodes

)

select * from final
