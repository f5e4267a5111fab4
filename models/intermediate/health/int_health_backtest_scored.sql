{{ config(materialized='table') }}

{#-
    The backtest's scores: every customer-week of the history (int_health_customer_days, week
    ends) scored by EVERY scorecard version that applies to its segment and phase - published or
    candidate, whatever its effective dates - so versions are compared on the same customer-weeks
    (a candidate is judged before it is published). One row per customer, week and scorecard
    version, with the score and band that version gives; the arithmetic is the published score's
    (csops.health_measure_scores).
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}
    where is_week_end

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

    {{ csops.health_measure_scores('customer_days', 'measures', 'scorecards', 'scorecard_measures', versions='every') }}

),

totals as (

    select
        customer_id,
        scored_date,
        segment,
        lifecycle_phase,
        scorecard_id,
        scorecard_version,
        scorecard_status,
        max(min_weight_present) as min_weight_present,
        max(red_below) as red_below,
        max(green_from) as green_from,
        cast(sum(case when is_counted then cast(normalised_weight * measure_score as decimal(24, 9)) end) as double)
            as weighted_score,
        sum(case when not is_missing then weight else 0 end) * 1.0 / sum(weight) as weight_present_share
    from scored
    group by customer_id, scored_date, segment, lifecycle_phase, scorecard_id, scorecard_version, scorecard_status

),

final as (

    select
        customer_id,
        scored_date as week_end_date,
        segment,
        lifecycle_phase,
        scorecard_id,
        scorecard_version,
        scorecard_status,
        case when weight_present_share >= min_weight_present then weighted_score end as health_score,
        case
            when weight_present_share < min_weight_present then 'insufficient_data'
            when weighted_score < red_below then 'red'
            when weighted_score >= green_from then 'green'
            else 'yellow'
        end as health_band
    from totals

)

select * from final
