{{ config(materialized='table') }}

{#-
    Every measure of the scorecard in force for each scored customer-day (published versions only:
    one scorecard per customer-day, tested), with its raw value, 0-100 score, weight and
    contribution; the arithmetic is csops.health_measure_scores (macros/health.sql).
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

measures as (

    select * from {{ ref('int_health_measures_unpivoted') }}

),

scorecards as (

    select * from {{ ref('health_scorecards') }}

),

scorecard_measures as (

    select * from {{ ref('health_scorecard_measures') }}

),

scored as (

    {{ csops.health_measure_scores(
        'customer_days', 'measures', 'scorecards', 'scorecard_measures', versions='in_force'
    ) }}

),

final as (

    select
        customer_id,
        scored_date,
        scorecard_id,
        scorecard_version,
        measure,
        measure_value,
        last_input_date,
        is_missing,
        is_stale,
        is_counted,
        measure_score,
        weight,
        normalised_weight,
        case when is_counted then normalised_weight * measure_score end as contribution,
        case when is_counted then normalised_weight * (100 - measure_score) end as points_lost
    from scored

)

select * from final
