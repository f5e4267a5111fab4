{#-
    Which journey stage rules apply to each customer on each day (one row per customer and day of
    int_journey_customer_days), from what was known by the end of the day and the customer's own
    earlier days only. Each <stage>_rule column names the rule that makes the stage apply, null
    when it does not; int_journey_stages_chosen picks the stage with the highest priority among
    those that apply (seed journey_stages, where each rule is written out). When several rules of
    one stage hold, the first listed here is named.

    churned             no live subscription: subscriptions_ended after a paid one, else trial_not_converted
    trial               a live trial and no live paid subscription: trial_live
    at_risk             paid, and payment_past_due, cancel_scheduled or health_red (latest weekly band)
    reactivated         paid, and a churned day within journey_reactivated_days: paying_again_after_churn
    renewal_window      paid, and a yearly term ends within journey_renewal_window_days:
                        annual_term_ends_within_window
    expansion           paid, and expansion_opportunity_open, or seats_added (more paid seats than
                        journey_expansion_lookback_days days before, when there were some then)
    onboarding          paid, first value (the segment's row of journey_time_to_value) not reached:
                        first_value_not_reached
    adoption            paid, first value reached, not value_realisation: first_value_reached
    value_realisation   paid, full value reached and the latest weekly band green:
                        full_value_reached_and_green
    With the product system switched off there are no value milestones: onboarding is the segment's
    first onboarding_overdue_days days after the first paid day (onboarding_period), adoption after
    (onboarding_period_over), value_realisation adoption with a green band (onboarding_period_over_and_green),
    and is_onboarding_overdue is null.
    A segment without a row in journey_time_to_value takes the row of segment unknown.
-#}

{%- set renewal_window_days = csops.checked_var('journey_renewal_window_days') %}
{%- set reactivated_days = csops.checked_var('journey_reactivated_days') %}
{%- set expansion_lookback_days = csops.checked_var('journey_expansion_lookback_days') %}
{%- set has_product = csops.system_enabled('product') %}
{%- set onboarding_rule = 'first_value_not_reached' if has_product else 'onboarding_period' %}
{%- set adoption_rule = 'first_value_reached' if has_product else 'onboarding_period_over' %}
{%- set value_realisation_rule = (
    'full_value_reached_and_green' if has_product else 'onboarding_period_over_and_green'
) %}

with

customer_days as (

    select * from {{ ref('int_journey_customer_days') }}

),

time_to_value as (

    select * from {{ ref('journey_time_to_value') }}

),

{% if has_product %}
    milestones as (

        select * from {{ ref('int_journey_value_milestones') }}

    ),
{% endif %}

-- what the customer's earlier days say: first paid day, last churned day, seats some days before
histories as (

    select
        *,
        min(case when has_paid_subscription then date_day end) over (
            partition by customer_id order by date_day rows between unbounded preceding and current row
        ) as first_paid_date,
        max(case when not has_live_subscription then date_day end) over (
            partition by customer_id order by date_day rows between unbounded preceding and current row
        ) as last_churned_date,
        max(case when has_paid_subscription then 1 else 0 end) over (
            partition by customer_id order by date_day rows between unbounded preceding and current row
        ) = 1 as has_ever_paid,
        -- one row per day from the journey start, so the row this many rows back is that many days back
        lag(paid_seats, {{ expansion_lookback_days }}) over (
            partition by customer_id order by date_day
        ) as paid_seats_before
    from customer_days

),

thresholds as (

    select
        histories.*,
        coalesce(segment_values.segment, unknown_values.segment) as milestone_segment,
        coalesce(segment_values.onboarding_overdue_days, unknown_values.onboarding_overdue_days)
            as onboarding_overdue_days
    from histories
    left join time_to_value as segment_values on histories.segment = segment_values.segment
    left join time_to_value as unknown_values on unknown_values.segment = 'unknown'

),

reached as (

    select
        thresholds.*,
        {{ dbt.datediff('thresholds.last_churned_date', 'thresholds.date_day', 'day') }}
            as days_since_churned,
        {{ dbt.datediff('thresholds.date_day', 'thresholds.next_term_end_date', 'day') }}
            as days_to_term_end,
        {{ dbt.datediff('thresholds.first_paid_date', 'thresholds.date_day', 'day') }}
            as days_since_first_paid,
        {% if has_product %}
            case
                when milestones.first_value_date <= thresholds.date_day then milestones.first_value_date
            end as first_value_date,
            coalesce(milestones.first_value_date <= thresholds.date_day, false) as is_first_value_reached,
            coalesce(milestones.full_value_date <= thresholds.date_day, false) as is_full_value_reached
        {% else %}
            cast(null as date) as first_value_date,
            coalesce(
                {{ dbt.datediff('thresholds.first_paid_date', 'thresholds.date_day', 'day') }}
                >= thresholds.onboarding_overdue_days,
                false
            ) as is_first_value_reached,
            coalesce(
                {{ dbt.datediff('thresholds.first_paid_date', 'thresholds.date_day', 'day') }}
                >= thresholds.onboarding_overdue_days,
                false
            ) as is_full_value_reached
        {% endif %}
    from thresholds
    {% if has_product %}
        left join milestones
            on
                thresholds.customer_id = milestones.customer_id
                and thresholds.milestone_segment = milestones.segment
    {% endif %}

),

rules as (

    select
        *,
        case
            when not has_live_subscription and has_ever_paid then 'subscriptions_ended'
            when not has_live_subscription then 'trial_not_converted'
        end as churned_rule,
        case
            when has_trial_subscription and not has_paid_subscription then 'trial_live'
        end as trial_rule,
        case
            when not has_paid_subscription then null
            when has_past_due_subscription then 'payment_past_due'
            when has_cancel_scheduled then 'cancel_scheduled'
            when health_band = 'red' then 'health_red'
        end as at_risk_rule,
        case
            when
                has_paid_subscription
                and days_since_churned <= {{ reactivated_days }}
                then 'paying_again_after_churn'
        end as reactivated_rule,
        case
            when
                has_paid_subscription
                and days_to_term_end <= {{ renewal_window_days }}
                then 'annual_term_ends_within_window'
        end as renewal_window_rule,
        case
            when not has_paid_subscription then null
            when has_open_expansion_opportunity then 'expansion_opportunity_open'
            when paid_seats_before > 0 and paid_seats > paid_seats_before then 'seats_added'
        end as expansion_rule,
        case
            when has_paid_subscription and not is_first_value_reached
                then '{{ onboarding_rule }}'
        end as onboarding_rule,
        case
            when
                has_paid_subscription and is_first_value_reached
                and not (is_full_value_reached and coalesce(health_band = 'green', false))
                then '{{ adoption_rule }}'
        end as adoption_rule,
        case
            when
                has_paid_subscription and is_first_value_reached
                and is_full_value_reached and health_band = 'green'
                then '{{ value_realisation_rule }}'
        end as value_realisation_rule
    from reached

),

final as (

    select
        customer_id,
        date_day,
        journey_start_date,
        segment,
        owner_user_id,
        has_live_subscription,
        has_paid_subscription,
        has_trial_subscription,
        has_cancel_scheduled,
        has_past_due_subscription,
        has_open_expansion_opportunity,
        paid_seats,
        paid_seats_before,
        next_term_end_date,
        health_band,
        first_paid_date,
        last_churned_date,
        first_value_date,
        is_first_value_reached,
        is_full_value_reached,
        onboarding_overdue_days,
        {% if has_product %}
            onboarding_rule is not null and days_since_first_paid >= onboarding_overdue_days
        {% else %}
            cast(null as boolean)
        {% endif %} as is_onboarding_overdue,
        churned_rule,
        trial_rule,
        at_risk_rule,
        reactivated_rule,
        renewal_window_rule,
        expansion_rule,
        onboarding_rule,
        adoption_rule,
        value_realisation_rule
    from rules

)

select * from final
