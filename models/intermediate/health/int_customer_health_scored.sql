{{ config(materialized='table') }}

{#-
    The health score of each scored customer-day: the sum of its measures' contributions under the
    scorecard in force (int_health_measures_scored), its band, how much of the scorecard's weight
    had data, and what pulls it down.
    - health_score: 0-100; null with band insufficient_data when the measures present carry less
      than the scorecard's min_weight_present share of its weight (a guess is not a score).
    - health_band: red below the scorecard's red_below, green from its green_from, yellow between.
    - weight_present_share: the share of the scorecard's weight whose measures had a fresh value.
    - driver_1..3_measure: the measures costing the most points (normalised weight x (100 -
      score)) among those scoring below green: what to talk about first.
    - stale_measures: measures left out because their latest input is past the freshness limit.
-#}

with

measure_scores as (

    select * from {{ ref('int_health_measures_scored') }}

),

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

scorecards as (

    select * from {{ ref('health_scorecards') }}

),

totals as (

    select
        customer_id,
        scored_date,
        scorecard_id,
        scorecard_version,
        -- summed as decimals: a float sum depends on the order rows arrive in, and a score of
        -- 58.75 must round the same way in every build
        cast(sum(cast(contribution as decimal(24, 9))) as double) as weighted_score,
        sum(case when not is_missing then weight else 0 end) * 1.0 / sum(weight) as weight_present_share,
        cast(sum(case when is_counted then 1 else 0 end) as bigint) as measures_counted,
        cast(sum(case when is_missing then 1 else 0 end) as bigint) as measures_missing
    from measure_scores
    group by customer_id, scored_date, scorecard_id, scorecard_version

),

-- the stale measures of each customer-day, listed from the stale rows only (an ordered list over
-- every measure row cannot spill to disk and ran out of memory on medium data)
stale as (

    select
        customer_id,
        scored_date,
        {{ dbt.listagg("measure", "', '", "order by measure") }} as stale_measures
    from measure_scores
    where is_stale
    group by customer_id, scored_date

),

drivers as (

    select
        measure_scores.customer_id,
        measure_scores.scored_date,
        measure_scores.measure,
        row_number() over (
            partition by measure_scores.customer_id, measure_scores.scored_date
            order by measure_scores.points_lost desc, measure_scores.measure asc
        ) as driver_rank
    from measure_scores
    inner join scorecards
        on
            measure_scores.scorecard_id = scorecards.scorecard_id
            and measure_scores.scorecard_version = scorecards.scorecard_version
    where measure_scores.is_counted and measure_scores.measure_score < scorecards.green_from

),

top_drivers as (

    select
        customer_id,
        scored_date,
        max(case when driver_rank = 1 then measure end) as driver_1_measure,
        max(case when driver_rank = 2 then measure end) as driver_2_measure,
        max(case when driver_rank = 3 then measure end) as driver_3_measure
    from drivers
    where driver_rank <= 3
    group by customer_id, scored_date

),

final as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        customer_days.is_daily_scored,
        customer_days.is_in_daily_window,
        customer_days.is_week_end,
        customer_days.segment,
        customer_days.lifecycle_phase,
        customer_days.tenure_days,
        customer_days.seats,
        customer_days.owner_user_id,
        totals.scorecard_id,
        totals.scorecard_version,
        case
            when totals.weight_present_share >= scorecards.min_weight_present then round(totals.weighted_score, 1)
        end as health_score,
        case
            when totals.scorecard_id is null or totals.weight_present_share < scorecards.min_weight_present
                then 'insufficient_data'
            when totals.weighted_score < scorecards.red_below then 'red'
            when totals.weighted_score >= scorecards.green_from then 'green'
            else 'yellow'
        end as health_band,
        coalesce(totals.weight_present_share, 0) as weight_present_share,
        coalesce(totals.measures_counted, 0) as measures_counted,
        coalesce(totals.measures_missing, 0) as measures_missing,
        top_drivers.driver_1_measure,
        top_drivers.driver_2_measure,
        top_drivers.driver_3_measure,
        stale.stale_measures,
        stale.stale_measures is not null as is_stale
    from customer_days
    left join totals
        on
            customer_days.customer_id = totals.customer_id
            and customer_days.scored_date = totals.scored_date
    left join scorecards
        on
            totals.scorecard_id = scorecards.scorecard_id
            and totals.scorecard_version = scorecards.scorecard_version
    left join top_drivers
        on
            customer_days.customer_id = top_drivers.customer_id
            and customer_days.scored_date = top_drivers.scored_date
    left join stale
        on
            customer_days.customer_id = stale.customer_id
            and customer_days.scored_date = stale.scored_date

)

select * from final
