{{
    config(
        materialized='incremental',
        unique_key='customer_health_week_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    The health score over the whole history, one row per customer and week (scored on the week's
    last day, Sunday) while the customer had a live subscription - the grain of the backtest
    (rpt_health_score_backtest) and of long trends; fct_customer_health_daily has every day of the
    recent window. A week's score uses only what was loaded by the end of its Sunday and never
    changes, so each run adds the weeks after the newest one here.
    score_change_7d / _28d: against the same customer's score one and four weeks before.
    changed_most_measure: the measure whose contribution moved most over the four weeks
    (csops.health_contribution_changes, as in the daily table).
-#}

with

scores as (

    select * from {{ ref('int_customer_health_scored') }}
    where is_week_end

),

measure_scores as (

    select * from {{ ref('int_health_measures_scored') }}

),

{% if is_incremental() %}
    already_scored as (

        select coalesce(max(week_end_date), cast('1900-01-01' as date)) as latest_scored_date from {{ this }}

    ),
{% endif %}

weeks as (

    select * from scores
    {% if is_incremental() %}
        where scored_date > (select already_scored.latest_scored_date from already_scored)
    {% endif %}

),

contribution_changes as (

    {{ csops.health_contribution_changes('weeks', 'measure_scores', 28) }}

),

final as (

    select
        {{ csops.generate_surrogate_key(['weeks.customer_id', 'weeks.scored_date']) }} as customer_health_week_id,
        weeks.customer_id,
        weeks.scored_date as week_end_date,
        weeks.segment,
        weeks.lifecycle_phase,
        weeks.owner_user_id,
        weeks.seats,
        weeks.scorecard_id,
        weeks.scorecard_version,
        weeks.health_score,
        weeks.health_band,
        weeks.weight_present_share,
        weeks.measures_counted,
        weeks.measures_missing,
        weeks.health_score - week_before.health_score as score_change_7d,
        weeks.health_score - four_weeks_before.health_score as score_change_28d,
        weeks.driver_1_measure,
        weeks.driver_2_measure,
        weeks.driver_3_measure,
        case when contribution_changes.contribution_change != 0 then contribution_changes.measure end
            as changed_most_measure,
        case
            when contribution_changes.contribution_change != 0 then round(contribution_changes.contribution_change, 1)
        end as changed_most_points,
        weeks.is_stale,
        weeks.stale_measures
    from weeks
    left join scores as week_before
        on
            weeks.customer_id = week_before.customer_id
            and week_before.scored_date = cast({{ dbt.dateadd('day', -7, 'weeks.scored_date') }} as date)
    left join scores as four_weeks_before
        on
            weeks.customer_id = four_weeks_before.customer_id
            and four_weeks_before.scored_date = cast({{ dbt.dateadd('day', -28, 'weeks.scored_date') }} as date)
    left join contribution_changes
        on
            weeks.customer_id = contribution_changes.customer_id
            and weeks.scored_date = contribution_changes.scored_date
            and contribution_changes.change_rank = 1

)

select * from final
