-- Exactly one published scorecard version applies to every segment, lifecycle phase and day the
-- health score is computed for: none leaves customers unscored, two would score them twice.
-- Returns the segment, phase and day combinations scored by another number of versions.
with

customer_days as (

    select distinct
        scored_date,
        segment,
        lifecycle_phase
    from {{ ref('int_health_customer_days') }}

),

scorecards as (

    select * from {{ ref('health_scorecards') }}
    where status = 'published'

),

final as (

    select
        customer_days.scored_date,
        customer_days.segment,
        customer_days.lifecycle_phase,
        count(scorecards.scorecard_id) as scorecards_in_force
    from customer_days
    left join scorecards
        on
            '|' || scorecards.applies_to_segments || '|' like '%|' || customer_days.segment || '|%'
            and '|' || scorecards.applies_to_phases || '|' like '%|' || customer_days.lifecycle_phase || '|%'
            and customer_days.scored_date >= scorecards.effective_from
            and (scorecards.effective_to is null or customer_days.scored_date < scorecards.effective_to)
    group by customer_days.scored_date, customer_days.segment, customer_days.lifecycle_phase
    having count(scorecards.scorecard_id) != 1

)

select * from final
