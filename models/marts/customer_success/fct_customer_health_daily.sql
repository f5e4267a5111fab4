{{
    config(
        materialized='incremental',
        unique_key='customer_health_day_id',
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
    The daily health score: one row per customer and day over the last health_daily_window_days
    days, for every customer with a live subscription that day. A score for a day uses only what
    was loaded by the end of that day (python/tests/test_health_point_in_time.py proves it), so a
    past day's score never changes: each run adds the days after the newest one here and drops
    the days that left the window. The measures behind each score are in
    fct_customer_health_measures_daily.
    score_change_7d / _30d: against the same customer's score 7 and 30 days before (null if it had
    none). changed_most_measure: the measure whose contribution moved the score most over the 30
    days, and by how many points (what changed; csops.health_contribution_changes).
-#}

with

scores as (

    select * from {{ ref('int_customer_health_scored') }}
    where is_daily_scored

),

measure_scores as (

    select * from {{ ref('int_health_measures_scored') }}

),

{% if is_incremental() %}
    already_scored as (

        select coalesce(max(scored_date), cast('1900-01-01' as date)) as latest_scored_date from {{ this }}

    ),
{% endif %}

days as (

    select * from scores
    {% if is_incremental() %}
        where is_in_daily_window and scored_date > (select already_scored.latest_scored_date from already_scored)
    {% else %}
        where is_in_daily_window
    {% endif %}

),

contribution_changes as (

    {{ csops.health_contribution_changes('days', 'measure_scores', 30) }}

),

final as (

    select
        {{ csops.generate_surrogate_key(['days.customer_id', 'days.scored_date']) }} as customer_health_day_id,
        days.customer_id,
        days.scored_date,
        days.segment,
        days.lifecycle_phase,
        days.owner_user_id,
        days.seats,
        days.scorecard_id,
        days.scorecard_version,
        days.health_score,
        days.health_band,
        days.weight_present_share,
        days.measures_counted,
        days.measures_missing,
        days.health_score - week_before.health_score as score_change_7d,
        days.health_score - month_before.health_score as score_change_30d,
        month_before.health_band as health_band_30d_ago,
        days.driver_1_measure,
        days.driver_2_measure,
        days.driver_3_measure,
        case when contribution_changes.contribution_change != 0 then contribution_changes.measure end
            as changed_most_measure,
        case
            when contribution_changes.contribution_change != 0 then round(contribution_changes.contribution_change, 1)
        end as changed_most_points,
        days.is_stale,
        days.stale_measures
    from days
    left join scores as week_before
        on
            days.customer_id = week_before.customer_id
            and week_before.scored_date = cast({{ dbt.dateadd('day', -7, 'days.scored_date') }} as date)
    left join scores as month_before
        on
            days.customer_id = month_before.customer_id
            and month_before.scored_date = cast({{ dbt.dateadd('day', -30, 'days.scored_date') }} as date)
    left join contribution_changes
        on
            days.customer_id = contribution_changes.customer_id
            and days.scored_date = contribution_changes.scored_date
            and contribution_changes.change_rank = 1

)

select * from final
