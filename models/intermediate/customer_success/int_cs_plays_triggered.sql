{#-
    The days each CS play fires: one row per customer, play (seed cs_plays) and day of the signal
    table on which the play's trigger is true, with the measured values that fired it (reason) and
    whether the play's inputs were stale that day. fct_cs_actions turns runs of these days into
    actions. Every threshold is a column of cs_plays (threshold_value, after_tenure_days); the
    trigger of each play:

    health_red          the health band is red
    health_drop         the score fell by threshold_value points or more in 30 days (empty:
                        var health_alert_drop_points, as fct_health_alerts)
    low_utilisation     licence utilisation below threshold_value after after_tenure_days days
    renewal_risk        an annual renewal within threshold_value days and is_renewal_at_risk
    nps_detractor       a detractor's NPS answer first known within the last threshold_value days
    onboarding_overdue  is_onboarding_overdue (the signal table's rule)
    payment_issue       the oldest unpaid invoice threshold_value days or more past due
    expansion           licence utilisation above threshold_value and the latest NPS answer a promoter's
    champion_left       the main contact's product user inactive for threshold_value days or more

    Stale inputs: the play's input_system had delivered nothing new for more than
    max_input_age_days days (health: the score's own is_stale flag). A play without a row in
    cs_plays never fires.
-#}

{%- set drop_points = csops.checked_var('health_alert_drop_points') %}

with

signals as (

    select * from {{ ref('int_cs_signals_daily') }}

),

plays as (

    select * from {{ ref('cs_plays') }}

),

evaluated as (

    select
        signals.customer_id,
        plays.play_id,
        signals.signal_date,
        signals.segment,
        signals.owner_user_id,
        case plays.play_id
            when 'health_red' then signals.health_band = 'red'
            when 'health_drop' then signals.score_change_30d <= -coalesce(plays.threshold_value, {{ drop_points }})
            when 'low_utilisation'
                then
                    signals.licence_utilisation_ratio < plays.threshold_value
                    and signals.tenure_days >= coalesce(plays.after_tenure_days, 0)
            when 'renewal_risk'
                then signals.days_to_renewal <= plays.threshold_value and signals.is_renewal_at_risk
            when 'nps_detractor'
                then
                    {{ dbt.datediff('signals.latest_detractor_known_date', 'signals.signal_date', 'day') }}
                    < plays.threshold_value
            when 'onboarding_overdue' then signals.is_onboarding_overdue
            when 'payment_issue' then signals.payment_days_overdue >= plays.threshold_value
            when 'expansion'
                then
                    signals.licence_utilisation_ratio > plays.threshold_value
                    and signals.latest_nps_category = 'promoter'
            when 'champion_left' then signals.champion_inactive_days >= plays.threshold_value
        end as is_triggered,
        coalesce(
            case plays.input_system
                when 'health' then signals.is_health_stale
                when 'product' then signals.product_data_age_days > plays.max_input_age_days
                when 'billing' then signals.billing_data_age_days > plays.max_input_age_days
                when 'surveys' then signals.surveys_data_age_days > plays.max_input_age_days
                when 'crm' then signals.crm_data_age_days > plays.max_input_age_days
            end,
            false
        ) as is_input_stale,
        case plays.play_id
            when 'health_red'
                then 'health score ' || cast(round(signals.health_score, 1) as {{ dbt.type_string() }}) || ' (red)'
            when 'health_drop'
                then
                    'health score ' || cast(round(signals.health_score, 1) as {{ dbt.type_string() }})
                    || ', ' || cast(round(signals.score_change_30d, 1) as {{ dbt.type_string() }})
                    || ' points in 30 days'
            when 'low_utilisation'
                then
                    'licence utilisation '
                    || cast(round(signals.licence_utilisation_ratio, 2) as {{ dbt.type_string() }})
                    || ' after ' || cast(signals.tenure_days as {{ dbt.type_string() }}) || ' days'
            when 'renewal_risk'
                then
                    'renewal on ' || cast(signals.next_renewal_date as {{ dbt.type_string() }})
                    || ' (' || cast(signals.days_to_renewal as {{ dbt.type_string() }}) || ' days), health band '
                    || coalesce(signals.health_band, 'none')
                    || case when signals.is_cancel_scheduled then ', cancellation scheduled' else '' end
            when 'nps_detractor'
                then
                    'NPS ' || cast(signals.latest_nps_score as {{ dbt.type_string() }})
                    || ' (detractor answer known '
                    || cast(signals.latest_detractor_known_date as {{ dbt.type_string() }}) || ')'
            when 'onboarding_overdue'
                then
                    'first value not reached after ' || cast(signals.tenure_days as {{ dbt.type_string() }})
                    || ' days, onboarding progress '
                    || coalesce(
                        cast(round(signals.onboarding_progress_ratio, 2) as {{ dbt.type_string() }}), 'unknown'
                    )
            when 'payment_issue'
                then
                    'oldest unpaid invoice ' || cast(signals.payment_days_overdue as {{ dbt.type_string() }})
                    || ' days overdue, payment failure rate '
                    || coalesce(cast(round(signals.payment_failure_rate, 2) as {{ dbt.type_string() }}), 'none')
            when 'expansion'
                then
                    'licence utilisation '
                    || cast(round(signals.licence_utilisation_ratio, 2) as {{ dbt.type_string() }})
                    || ', latest NPS ' || cast(signals.latest_nps_score as {{ dbt.type_string() }})
            when 'champion_left'
                then
                    'main contact last active ' || cast(signals.champion_last_active_date as {{ dbt.type_string() }})
                    || ' (' || cast(signals.champion_inactive_days as {{ dbt.type_string() }}) || ' days)'
        end as trigger_reason
    from signals
    cross join plays

),

final as (

    select
        {{ csops.generate_surrogate_key(['customer_id', 'play_id', 'signal_date']) }} as play_trigger_id,
        customer_id,
        play_id,
        signal_date,
        segment,
        owner_user_id,
        is_input_stale,
        trigger_reason
    from evaluated
    where is_triggered

)

select * from final
