{{
    config(
        materialized='incremental',
        unique_key='customer_health_measure_day_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where scored_date <= (select "
            ~ dbt.dateadd('day', -csops.checked_var('health_daily_window_days'), 'max(scored_date)')
            ~ " from {{ this }})"
        ],
    )
}}

{#-
    What each daily health score is made of: one row per customer, day (the window of
    fct_customer_health_daily) and measure of the scorecard in force - the measure's raw value,
    its 0-100 score, its weight and normalised weight, its contribution to the score (the
    contributions of a customer-day add up to its health_score) and the points it costs. One row
    per measure, not a column each, so a measure added to the scorecard seed needs no new column.
-#}

with

measure_scores as (

    select * from {{ ref('int_health_measures_scored') }}

),

days as (

    select
        customer_id,
        scored_date
    from {{ ref('int_customer_health_scored') }}
    where is_in_daily_window

),

{% if is_incremental() %}
    already_scored as (

        select coalesce(max(scored_date), cast('1900-01-01' as date)) as latest_scored_date from {{ this }}

    ),
{% endif %}

final as (

    select
        {{ csops.generate_surrogate_key(['measure_scores.customer_id', 'measure_scores.scored_date',
            'measure_scores.measure']) }} as customer_health_measure_day_id,
        measure_scores.customer_id,
        measure_scores.scored_date,
        measure_scores.scorecard_id,
        measure_scores.scorecard_version,
        measure_scores.measure,
        measure_scores.measure_value,
        measure_scores.last_input_date,
        measure_scores.is_missing,
        measure_scores.is_stale,
        measure_scores.is_counted,
        round(measure_scores.measure_score, 1) as measure_score,
        measure_scores.weight,
        measure_scores.normalised_weight,
        measure_scores.contribution,
        measure_scores.points_lost
    from measure_scores
    inner join days
        on measure_scores.customer_id = days.customer_id and measure_scores.scored_date = days.scored_date
    {% if is_incremental() %}
        where measure_scores.scored_date > (select already_scored.latest_scored_date from already_scored)
    {% endif %}

)

select * from final
