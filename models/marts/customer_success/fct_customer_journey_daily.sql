{{
    config(
        materialized='incremental',
        unique_key='customer_journey_day_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    The customer journey: every customer in exactly one stage on every day from their first trial
    or contract to the as-of day (stages, priorities and rules in seed journey_stages; the rules in
    int_journey_rules_applied, the choice in int_journey_stages_chosen). A day's stage uses only
    what was known by the end of that day and the customer's earlier days
    (python/tests/test_journey_point_in_time.py proves it), so a past day never changes: each run
    adds the days from the newest one here on - that day itself again, because a build during the
    day saw only that day's loads so far. A full refresh gives the same rows.
-#}

with

stages as (

    select * from {{ ref('int_journey_stages_chosen') }}

),

{% if is_incremental() %}
    already_built as (

        select max(journey_date) as latest_journey_date from {{ this }}

    ),
{% endif %}

days as (

    select * from stages
    {% if is_incremental() %}
        where
            date_day >= (
                select coalesce(already_built.latest_journey_date, cast('1900-01-01' as date)) as since_date
                from already_built
            )
    {% endif %}

),

final as (

    select
        {{ csops.generate_surrogate_key(['customer_id', 'date_day']) }} as customer_journey_day_id,
        customer_id,
        owner_user_id,
        date_day as journey_date,
        segment,
        journey_stage,
        stage_rule,
        previous_stage,
        stage_priority,
        cast(stages_applying as integer) as stages_applying,
        health_band,
        is_onboarding_overdue,
        cast(days_in_stage as integer) as days_in_stage,
        stage_entered_date,
        journey_start_date,
        first_paid_date,
        first_value_date
    from days

)

select * from final
