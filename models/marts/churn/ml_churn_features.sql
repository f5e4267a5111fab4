{#-
    The churn models' training and scoring table: one row per customer per observation date on
    which billing had told the warehouse of a live paid subscription of theirs (active, past due or
    paused; a trial alone is not paying). Observation dates: the last day of every month before the
    warehouse's as-of date (int_warehouse_as_of), and the as-of date itself (is_latest_observation:
    the rows that get scored today).

    Features are what the warehouse knew by the end of the observation date - never anything
    loaded later (csops.known_by on the history models, and the point-in-time models it reuses):
    - who pays, cancellation pending, segment, paid seats, expansion opportunity: the journey's
      day (int_journey_customer_days) on the observation date;
    - journey stage, days in it, tenure since the first paid day: fct_customer_journey_daily;
    - plan, billing interval, term end and MRR: the subscription and item versions known that
      day (stg_billing__*_history), priced at the exchange rate loaded by then - MRR 90 days
      before is the same computation 90 days earlier;
    - the health score and every component measure (usage, licence utilisation, support and SLA,
      NPS, CSAT, calibrated CSM check-in, payments, community): the latest weekly score on or before
      the observation date (the Sunday; int_health_measures_unpivoted, fct_customer_health_weekly),
      because daily scores exist only for the recent window and a past row must not change when it
      moves. A switched-off system's measures are null (no such system);
    - failed payments of the 30 days to the observation date: payments first loaded by its end.
    Rebuilt in full every run (a table, not incremental): the features of a row never change, but
    its label does while its window is open.

    Labels are the only columns that look past the observation date: churn_date is the first logo
    churn (csops.logo_churn_dates, the revenue bridge's churn) dated after observation_date +
    ml_churn_lead_days; churned_in_window is 1 when it falls within ml_churn_window_days after
    that, 0 when not, and null while the window has not ended by the as-of date (is_label_known).
-#}

{%- set window_days = csops.checked_var('ml_churn_window_days') -%}
{%- set lead_days = csops.checked_var('ml_churn_lead_days') -%}
{%- set paused_mrr = csops.checked_var('mrr_paused_subscriptions') -%}
{%- set product = csops.system_enabled('product') -%}
{%- set support = csops.system_enabled('support') -%}

with

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

journey_customer_days as (

    select * from {{ ref('int_journey_customer_days') }}

),

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

subscription_versions as (

    select * from {{ ref('stg_billing__subscriptions_history') }}
    where not is_invalid

),

item_versions as (

    select * from {{ ref('stg_billing__subscription_items_history') }}
    where not is_invalid

),

plans as (

    select * from {{ ref('stg_billing__plans') }}

),

fx_rate_loads as (

    select * from {{ ref('stg_billing__fx_rates') }}
    where not is_invalid

),

-- when each rate was first loaded (staging keeps a re-synced rate's latest copy); the key is
-- staging's fx_rate_id
fx_rate_first_loads as (

    {{ csops.first_loads(
        'billing', 'fx_rates',
        csops.generate_surrogate_key(['rate_date', 'upper(trim(quote_currency))']), 'fx_rate_id'
    ) }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

health_weeks as (

    select * from {{ ref('fct_customer_health_weekly') }}

),

health_measures as (

    select * from {{ ref('int_health_measures_unpivoted') }}

),

payment_measures as (

    select * from {{ ref('int_health_billing_measured') }}

),

{% if product %}
    product_measures as (

        select * from {{ ref('int_health_product_measured') }}

    ),
{% endif %}

{% if support %}
    support_measures as (

        select * from {{ ref('int_health_support_measured') }}

    ),
{% endif %}

payments as (

    select * from {{ ref('stg_billing__payments') }}
    where not is_invalid

),

payment_first_loads as (

    {{ csops.first_loads('billing', 'payments', 'id', 'payment_id') }}

),

mrr_movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

subscription_endings as (

    select * from {{ ref('int_subscriptions_endings_typed') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

-- the last day of every month from the first journey's month, before the as-of date
month_ends as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'spine.date_month')) }} as date)
            as observation_date
    from (
        {{ csops.date_spine(
            'month',
            dbt.date_trunc('month', '(select min(journey_start_date) from journey_customer_days)'),
            "(select " ~ dbt.dateadd('month', 1, dbt.date_trunc('month', 'as_of_date')) ~ " from as_of)"
        ) }}
    ) as spine

),

observation_dates as (

    select
        month_ends.observation_date,
        false as is_latest_observation
    from month_ends
    cross join as_of
    where month_ends.observation_date < as_of.as_of_date

    union all

    select
        as_of_date as observation_date,
        true as is_latest_observation
    from as_of

),

-- each observation date, and the day 90 days before it (for the MRR and seat movements), with the
-- instant they are known at: the midnight after the day
known_dates as (

    select
        observation_date,
        observation_date as known_date,
        0 as days_before
    from observation_dates

    union all

    select
        observation_date,
        cast({{ dbt.dateadd('day', -90, 'observation_date') }} as date) as known_date,
        90 as days_before
    from observation_dates

),

known_instants as (

    select distinct
        known_date,
        cast({{ dbt.dateadd('day', 1, 'known_date') }} as timestamp) as known_before_at
    from known_dates

),

-- the paying customers on each observation date, as the journey knew them that day
paying as (

    select
        journey_customer_days.customer_id,
        observation_dates.observation_date,
        observation_dates.is_latest_observation,
        journey_customer_days.segment,
        journey_customer_days.journey_start_date,
        journey_customer_days.has_cancel_scheduled,
        journey_customer_days.has_past_due_subscription,
        journey_customer_days.has_open_expansion_opportunity,
        journey_customer_days.paid_seats,
        -- the label's window: (window_starts_after_date, window_ends_date]
        cast({{ dbt.dateadd('day', lead_days, 'observation_dates.observation_date') }} as date)
            as window_starts_after_date,
        cast({{ dbt.dateadd('day', lead_days + window_days, 'observation_dates.observation_date') }} as date)
            as window_ends_date
    from journey_customer_days
    inner join observation_dates on journey_customer_days.date_day = observation_dates.observation_date
    where journey_customer_days.has_paid_subscription

),

-- subscriptions live and paid (not trialing) at each known instant, in the version known then
paid_subscriptions_known as (

    select
        billing_links.customer_id,
        known_instants.known_date,
        known_instants.known_before_at,
        subscription_versions.subscription_id,
        subscription_versions.subscription_status,
        subscription_versions.current_period_started_at,
        subscription_versions.current_period_ends_at
    from known_instants
    inner join subscription_versions
        on
            {{ csops.known_by('known_instants.known_before_at', 'subscription_versions') }}
            and subscription_versions.started_at < known_instants.known_before_at
    inner join billing_links on subscription_versions.billing_customer_id = billing_links.billing_customer_id
    where
        subscription_versions.subscription_status in ('active', 'past_due', 'paused')
        and (
            subscription_versions.ended_at is null
            or subscription_versions.ended_at >= known_instants.known_before_at
        )

),

-- the latest exchange rate day of each currency first loaded by each known instant
fx_rate_days_known as (

    select
        known_instants.known_date,
        fx_rate_loads.currency_code,
        max(fx_rate_loads.rate_date) as rate_date
    from known_instants
    inner join fx_rate_first_loads on known_instants.known_before_at > fx_rate_first_loads.first_loaded_at
    inner join fx_rate_loads on fx_rate_first_loads.fx_rate_id = fx_rate_loads.fx_rate_id
    group by known_instants.known_date, fx_rate_loads.currency_code

),

-- the items of those subscriptions live at the instant, with their list MRR in the reporting
-- currency at the rate known then (the reporting currency itself converts at 1)
items_known as (

    select
        paid_subscriptions_known.customer_id,
        paid_subscriptions_known.known_date,
        paid_subscriptions_known.known_before_at,
        paid_subscriptions_known.subscription_status,
        plans.plan_tier,
        plans.billing_interval_months,
        item_versions.quantity,
        item_versions.discount_pct,
        item_versions.discount_ends_at,
        {{ csops.money_exact(
            'item_versions.quantity * ' ~ csops.minor_to_major('item_versions.unit_amount_minor', 'plans.currency_code')
            ~ ' / (plans.billing_interval_months * fx_rates.units_per_reporting_unit)'
        ) }} as list_mrr_amount
    from paid_subscriptions_known
    inner join item_versions
        on
            paid_subscriptions_known.subscription_id = item_versions.subscription_id
            and {{ csops.known_by('paid_subscriptions_known.known_before_at', 'item_versions') }}
            and item_versions.started_at < paid_subscriptions_known.known_before_at
            and (
                item_versions.ended_at is null
                or item_versions.ended_at >= paid_subscriptions_known.known_before_at
            )
    inner join plans on item_versions.plan_id = plans.plan_id
    left join fx_rate_days_known
        on
            paid_subscriptions_known.known_date = fx_rate_days_known.known_date
            and plans.currency_code = fx_rate_days_known.currency_code
    left join fx_rates
        on
            plans.currency_code = fx_rates.currency_code
            and (fx_rates.rate_date is null or fx_rates.rate_date = fx_rate_days_known.rate_date)

),

items_valued as (

    select
        items_known.customer_id,
        items_known.known_date,
        items_known.plan_tier,
        items_known.billing_interval_months,
        items_known.quantity,
        items_known.list_mrr_amount,
        items_known.subscription_status = 'paused' as is_paused,
        {% if paused_mrr == 'zero' %}
            -- a paused subscription bills nothing (mrr_paused_subscriptions = zero)
            case
                when items_known.subscription_status = 'paused' then 0
                else {{ csops.item_mrr_at('items_known', 'items_known.known_before_at') }}
            end as mrr_amount
        {% else %}
            {{ csops.item_mrr_at('items_known', 'items_known.known_before_at') }} as mrr_amount
        {% endif %}
    from items_known

),

customers_valued as (

    select
        customer_id,
        known_date,
        {{ csops.money_rounded('sum(mrr_amount)') }} as mrr_amount,
        -- exact, before the one rounding: the share discounted compares like with like
        sum(mrr_amount) as mrr_exact_amount,
        sum(list_mrr_amount) as list_mrr_amount,
        sum(quantity) as seats,
        max(billing_interval_months) as billing_interval_months,
        max(case when is_paused then 1 else 0 end) = 1 as has_paused_subscription
    from items_valued
    group by customer_id, known_date

),

-- the plan tier of the item worth most (ties: the higher tier name, for a stable choice)
main_plans as (

    select
        customer_id,
        known_date,
        plan_tier
    from items_valued
    qualify row_number() over (partition by customer_id, known_date order by mrr_amount desc, plan_tier desc) = 1

),

-- the nearest end of a current paid term: the next renewal (or the end of a cancelled term), and
-- the start of that service period
term_ends as (

    select
        customer_id,
        known_date,
        term_end_date,
        {{ dbt.datediff('term_start_date', 'term_end_date', 'day') }}
            as term_days,
        {{ dbt.datediff('term_start_date', 'known_date', 'day') }}
            as term_elapsed_days
    from (
        select
            customer_id,
            known_date,
            cast(current_period_ends_at as date) as term_end_date,
            cast(current_period_started_at as date) as term_start_date
        from paid_subscriptions_known
        where current_period_ends_at >= known_before_at
        qualify row_number() over (
                partition by customer_id, known_date
                order by current_period_ends_at asc, current_period_started_at desc, subscription_id asc
            ) = 1
    ) as current_terms

),

-- failed payment attempts of the 30 days to the observation date, known by its end (a payment is
-- known from the first load that delivered it): dunning as it stood that day, fresher than the
-- weekly payment measures
recent_payment_failures as (

    select
        paying.customer_id,
        paying.observation_date,
        count(*) as failed_payments_30d
    from paying
    inner join billing_links on paying.customer_id = billing_links.customer_id
    inner join payments on billing_links.billing_customer_id = payments.billing_customer_id
    inner join payment_first_loads on payments.payment_id = payment_first_loads.payment_id
    where
        payments.is_failed
        and payment_first_loads.first_loaded_at
        < cast({{ dbt.dateadd('day', 1, 'paying.observation_date') }} as timestamp)
        and payments.attempted_at >= cast({{ dbt.dateadd('day', -29, 'paying.observation_date') }} as timestamp)
    group by paying.customer_id, paying.observation_date

),

-- the health week each observation reads: the Sunday on or before the observation date
observation_weeks as (

    select
        paying.customer_id,
        paying.observation_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.date_trunc('week', dbt.dateadd('day', 1, 'paying.observation_date'))) }}
            as date
        ) as health_week_end_date
    from paying

),

measures_pivoted as (

    select
        health_measures.customer_id,
        health_measures.scored_date,
        max(case when health_measures.measure = 'usage_breadth' then health_measures.measure_value end)
            as usage_breadth,
        max(case when health_measures.measure = 'usage_depth' then health_measures.measure_value end)
            as usage_depth,
        max(case when health_measures.measure = 'usage_stickiness' then health_measures.measure_value end)
            as usage_stickiness,
        max(case when health_measures.measure = 'licence_utilisation' then health_measures.measure_value end)
            as licence_utilisation,
        max(case when health_measures.measure = 'usage_momentum' then health_measures.measure_value end)
            as usage_momentum,
        max(case when health_measures.measure = 'support_tickets_per_seat' then health_measures.measure_value end)
            as support_tickets_per_seat,
        max(case
            when health_measures.measure = 'support_high_priority_tickets' then health_measures.measure_value
        end) as support_high_priority_tickets,
        max(case when health_measures.measure = 'support_sla_breaches' then health_measures.measure_value end)
            as support_sla_breaches,
        max(case when health_measures.measure = 'csat' then health_measures.measure_value end) as csat,
        max(case when health_measures.measure = 'nps' then health_measures.measure_value end) as nps,
        max(case when health_measures.measure = 'csm_adoption' then health_measures.measure_value end)
            as csm_adoption,
        max(case when health_measures.measure = 'csm_value_realised' then health_measures.measure_value end)
            as csm_value_realised,
        max(case when health_measures.measure = 'csm_relationship' then health_measures.measure_value end)
            as csm_relationship,
        max(case when health_measures.measure = 'csm_technical_fit' then health_measures.measure_value end)
            as csm_technical_fit,
        max(case when health_measures.measure = 'csm_sentiment' then health_measures.measure_value end)
            as csm_sentiment,
        max(case when health_measures.measure = 'days_since_csm_touch' then health_measures.measure_value end)
            as days_since_csm_touch,
        max(case when health_measures.measure = 'community_engagement' then health_measures.measure_value end)
            as community_engagement
    from health_measures
    where health_measures.scored_date in (select observation_weeks.health_week_end_date from observation_weeks)
    group by health_measures.customer_id, health_measures.scored_date

),

churns as (

    {{ csops.logo_churn_dates('mrr_movements', 'subscription_endings') }}

),

-- the first churn dated after the observation date plus the lead
next_churns as (

    select
        paying.customer_id,
        paying.observation_date,
        min(churns.churn_date) as churn_date
    from paying
    inner join churns
        on
            paying.customer_id = churns.customer_id
            and paying.window_starts_after_date < churns.churn_date
    group by paying.customer_id, paying.observation_date

),

final as (

    select
        -- keys
        paying.customer_id,
        paying.observation_date,
        paying.is_latest_observation,
        -- labels (the only columns that look past the observation date)
        next_churns.churn_date,
        paying.window_ends_date <= as_of.as_of_date as is_label_known,
        cast(case
            when paying.window_ends_date > as_of.as_of_date then null
            when next_churns.churn_date <= paying.window_ends_date then 1
            else 0
        end as integer) as churned_in_window,
        -- known outcomes and reference columns (not features)
        paying.has_cancel_scheduled as is_cancel_pending,
        case when now_valued.billing_interval_months > 1 then 'term' else 'monthly' end as plan_group,
        cast(now_valued.mrr_amount as double) as mrr_amount,
        cast(now_valued.mrr_amount * 12 as double) as arr_amount,
        health_weeks.health_score,
        -- features: who the customer is
        paying.segment,
        main_plans.plan_tier,
        cast(now_valued.billing_interval_months as integer) as billing_interval_months,
        journey_days.journey_stage,
        health_weeks.lifecycle_phase,
        cast(
            {{ dbt.datediff('paying.journey_start_date', 'paying.observation_date', 'day') }}
            as integer
        ) as tenure_days,
        cast(
            {{ dbt.datediff('journey_days.first_paid_date', 'paying.observation_date', 'day') }}
            as integer
        ) as paid_tenure_days,
        cast(journey_days.days_in_stage as integer) as days_in_journey_stage,
        -- features: contract and revenue
        cast(
            {{ dbt.datediff('paying.observation_date', 'term_ends.term_end_date', 'day') }}
            as integer
        ) as days_to_term_end,
        cast(
            round(term_ends.term_elapsed_days * 1.0 / nullif(term_ends.term_days, 0), 4) as double
        ) as term_elapsed_ratio,
        cast(paying.paid_seats as integer) as paid_seats,
        cast(paying.paid_seats - coalesce(before_valued.seats, 0) as integer) as seats_change_90d,
        cast(coalesce(before_valued.mrr_amount, 0) as double) as mrr_90d_before_amount,
        cast(
            (now_valued.mrr_amount - before_valued.mrr_amount) / nullif(before_valued.mrr_amount, 0)
            as double
        ) as mrr_change_90d_ratio,
        -- the share of the list MRR given away: discounts running, and paused subscriptions with
        -- mrr_paused_subscriptions = zero
        cast(
            round(1 - now_valued.mrr_exact_amount / nullif(now_valued.list_mrr_amount, 0), 4) as double
        ) as discount_ratio,
        paying.has_past_due_subscription as is_past_due,
        coalesce(now_valued.has_paused_subscription, false) as is_paused,
        paying.has_open_expansion_opportunity,
        journey_days.is_onboarding_overdue,
        -- features: health and its components (the Sunday on or before the observation date)
        health_weeks.score_change_28d as health_score_change_28d,
        health_weeks.weight_present_share as health_weight_present_share,
        {% if product %}
            cast(product_measures.events_28d as double) as events_28d,
            cast(product_measures.active_users_28d as double) as active_users_28d,
        {% else %}
            cast(null as double) as events_28d,
            cast(null as double) as active_users_28d,
        {% endif %}
        measures_pivoted.usage_breadth,
        measures_pivoted.usage_depth,
        measures_pivoted.usage_stickiness,
        measures_pivoted.usage_momentum,
        measures_pivoted.licence_utilisation,
        {% if support %}
            cast(coalesce(support_measures.tickets_90d, case
                when measures_pivoted.support_high_priority_tickets is not null then 0
            end) as double) as tickets_90d,
        {% else %}
            cast(null as double) as tickets_90d,
        {% endif %}
        measures_pivoted.support_tickets_per_seat,
        measures_pivoted.support_high_priority_tickets,
        measures_pivoted.support_sla_breaches,
        measures_pivoted.nps,
        measures_pivoted.csat,
        measures_pivoted.csm_adoption,
        measures_pivoted.csm_value_realised,
        measures_pivoted.csm_relationship,
        measures_pivoted.csm_technical_fit,
        measures_pivoted.csm_sentiment,
        measures_pivoted.days_since_csm_touch,
        cast(coalesce(recent_payment_failures.failed_payments_30d, 0) as integer) as failed_payments_30d,
        cast(payment_measures.failed_payments_in_window as double) as failed_payments_in_window,
        payment_measures.payment_failure_rate,
        cast(payment_measures.payment_days_overdue as double) as payment_days_overdue,
        measures_pivoted.community_engagement
    from paying
    cross join as_of
    inner join observation_weeks
        on
            paying.customer_id = observation_weeks.customer_id
            and paying.observation_date = observation_weeks.observation_date
    left join customers_valued as now_valued
        on
            paying.customer_id = now_valued.customer_id
            and paying.observation_date = now_valued.known_date
    left join customers_valued as before_valued
        on
            paying.customer_id = before_valued.customer_id
            and before_valued.known_date = cast({{ dbt.dateadd('day', -90, 'paying.observation_date') }} as date)
    left join main_plans
        on
            paying.customer_id = main_plans.customer_id
            and paying.observation_date = main_plans.known_date
    left join term_ends
        on
            paying.customer_id = term_ends.customer_id
            and paying.observation_date = term_ends.known_date
    left join journey_days
        on
            paying.customer_id = journey_days.customer_id
            and paying.observation_date = journey_days.journey_date
    left join health_weeks
        on
            observation_weeks.customer_id = health_weeks.customer_id
            and observation_weeks.health_week_end_date = health_weeks.week_end_date
    left join measures_pivoted
        on
            observation_weeks.customer_id = measures_pivoted.customer_id
            and observation_weeks.health_week_end_date = measures_pivoted.scored_date
    left join payment_measures
        on
            observation_weeks.customer_id = payment_measures.customer_id
            and observation_weeks.health_week_end_date = payment_measures.scored_date
    {% if product %}
        left join product_measures
            on
                observation_weeks.customer_id = product_measures.customer_id
                and observation_weeks.health_week_end_date = product_measures.scored_date
    {% endif %}
    {% if support %}
        left join support_measures
            on
                observation_weeks.customer_id = support_measures.customer_id
                and observation_weeks.health_week_end_date = support_measures.scored_date
    {% endif %}
    left join recent_payment_failures
        on
            paying.customer_id = recent_payment_failures.customer_id
            and paying.observation_date = recent_payment_failures.observation_date
    left join next_churns
        on
            paying.customer_id = next_churns.customer_id
            and paying.observation_date = next_churns.observation_date

)

select * from final
