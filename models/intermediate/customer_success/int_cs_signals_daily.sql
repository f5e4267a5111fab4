{{ config(materialized='table') }}

{#-
    What the CS plays read: one row per customer and day of the health daily window
    (var health_daily_window_days, the days of fct_customer_health_daily), with every signal as the
    warehouse knew it by the end of that day - the health score and band, the usage, onboarding,
    payment, renewal, NPS and champion signals, and how old each system's latest load was. A play
    (seed cs_plays) compares these columns with its thresholds in fct_cs_actions.

    Point in time: the health columns and measures come from the health models (only rows loaded by
    the end of the day); renewals and cancellations from the billing history models
    (csops.known_by); NPS answers, product users and CS activities count from their first load; the
    main contact from the CRM contacts history.

    Two signals are swappable rules, each one column so a later model can replace it:
    - is_renewal_at_risk: csops.is_churn_risk - a cancellation is scheduled, or the churn model's
      risk tier is high (churn_risk_tier: the selected model's out-of-time score at the latest
      month end on or before the day, ml_churn_backtest_scores - a model trained only on
      what was known then), or, before the model can learn, the health band is red;
    - is_onboarding_overdue: the journey's flag that day (fct_customer_journey_daily: in the
      onboarding stage past the segment's onboarding_overdue_days without reaching first value,
      seeds/journey_time_to_value.csv) - one home for what "onboarding is overdue" means.
    The champion is the CRM account's main contact (is_primary_contact) as known that day, matched
    to a product user by email; champion_inactive_days is the days since that user's latest product
    event known by then (null without such a user or without any event: no champion to lose).
-#}

{%- set product = csops.system_enabled('product') -%}
{%- set surveys = csops.system_enabled('surveys') -%}

with

health_days as (

    select * from {{ ref('fct_customer_health_daily') }}

),

customer_days as (

    select * from {{ ref('int_health_customer_days') }}
    where is_in_daily_window

),

measures as (

    select * from {{ ref('int_health_measures_unpivoted') }}
    where measure in ('licence_utilisation', 'onboarding_progress', 'payment_days_overdue', 'payment_failure_rate')

),

subscription_versions as (

    select * from {{ ref('stg_billing__subscriptions_history') }}
    where not is_invalid

),

item_versions as (

    select * from {{ ref('stg_billing__subscription_items_history') }}
    where not is_invalid

),

billing_plans as (

    select * from {{ ref('stg_billing__plans') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

invoice_versions as (

    select * from {{ ref('stg_billing__invoices_history') }}

),

account_versions as (

    select * from {{ ref('stg_crm__accounts_history') }}

),

contact_versions as (

    select * from {{ ref('stg_crm__contacts_history') }}
    where not is_invalid and not is_test_account

),

account_links as (

    {{ csops.customer_links('crm', 'accounts', 'account_id') }}

),

window_days as (

    select
        scored_date as signal_date,
        max(known_before_at) as known_before_at
    from customer_days
    group by scored_date

),

measures_pivoted as (

    select
        customer_id,
        scored_date,
        max(case when measure = 'licence_utilisation' then measure_value end) as licence_utilisation_ratio,
        max(case when measure = 'onboarding_progress' then measure_value end) as onboarding_progress_ratio,
        max(case when measure = 'payment_days_overdue' then measure_value end) as payment_days_overdue,
        max(case when measure = 'payment_failure_rate' then measure_value end) as payment_failure_rate
    from measures
    group by customer_id, scored_date

),

-- renewals as billing knew them that day: the end of the current period of each live annual
-- subscription (one with an item on a yearly plan), and whether a cancellation is scheduled
subscriptions_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        subscription_versions.subscription_id,
        subscription_versions.is_cancel_at_period_end,
        cast(subscription_versions.current_period_ends_at as date) as period_end_date,
        max(case when billing_plans.billing_interval = 'year' then 1 else 0 end) = 1 as is_annual
    from customer_days
    inner join billing_links on customer_days.customer_id = billing_links.customer_id
    inner join subscription_versions
        on
            billing_links.billing_customer_id = subscription_versions.billing_customer_id
            and {{ csops.known_by('customer_days.known_before_at', 'subscription_versions') }}
            and subscription_versions.subscription_status in ('trialing', 'active', 'past_due', 'paused')
            and (
                subscription_versions.ended_at is null
                or subscription_versions.ended_at >= customer_days.known_before_at
            )
    left join item_versions
        on
            subscription_versions.subscription_id = item_versions.subscription_id
            and {{ csops.known_by('customer_days.known_before_at', 'item_versions') }}
            and (item_versions.ended_at is null or item_versions.ended_at >= customer_days.known_before_at)
    left join billing_plans on item_versions.plan_id = billing_plans.plan_id
    group by
        customer_days.customer_id,
        customer_days.scored_date,
        subscription_versions.subscription_id,
        subscription_versions.is_cancel_at_period_end,
        cast(subscription_versions.current_period_ends_at as date)

),

renewals_known as (

    select
        customer_id,
        scored_date,
        min(case when is_annual and period_end_date >= scored_date then period_end_date end) as next_renewal_date,
        max(case when is_cancel_at_period_end then 1 else 0 end) = 1 as is_cancel_scheduled
    from subscriptions_known
    group by customer_id, scored_date

),

{% if surveys %}
    nps_first_loads as (

        {{ csops.first_loads('surveys', 'nps_responses', 'response_id', 'nps_response_id') }}

    ),

    nps_known as (

        select
            responses.customer_id,
            responses.nps_score,
            responses.nps_category,
            responses.is_detractor,
            responses.submitted_at,
            cast(nps_first_loads.first_loaded_at as date) as known_date
        from {{ ref('fct_nps_responses') }} as responses
        inner join nps_first_loads on responses.nps_response_id = nps_first_loads.nps_response_id

    ),

    nps_by_day as (

        select
            customer_days.customer_id,
            customer_days.scored_date,
            nps_known.nps_score,
            nps_known.nps_category,
            nps_known.is_detractor,
            nps_known.known_date,
            row_number() over (
                partition by customer_days.customer_id, customer_days.scored_date
                order by nps_known.submitted_at desc, nps_known.known_date desc, nps_known.nps_score asc
            ) as answer_rank,
            max(case when nps_known.is_detractor then nps_known.known_date end) over (
                partition by customer_days.customer_id, customer_days.scored_date
            ) as latest_detractor_known_date
        from customer_days
        inner join nps_known
            on
                customer_days.customer_id = nps_known.customer_id
                and customer_days.scored_date >= nps_known.known_date

    ),

    nps_latest as (

        select * from nps_by_day
        where answer_rank = 1

    ),

    surveys_loads as (

        select distinct cast(first_loaded_at as date) as load_date
        from nps_first_loads

    ),
{% endif %}

{% if product %}
    product_user_first_loads as (

        {{ csops.first_loads('product', 'users', 'id', 'product_user_id') }}

    ),

    -- the main contact(s) of the account as known that day, and their product user by email
    champion_days as (

        select distinct
            customer_days.customer_id,
            customer_days.scored_date,
            product_users.product_user_id
        from customer_days
        inner join account_links on customer_days.customer_id = account_links.customer_id
        inner join contact_versions
            on
                account_links.account_id = contact_versions.account_id
                and {{ csops.known_by('customer_days.known_before_at', 'contact_versions') }}
                and contact_versions.is_primary_contact
                and not contact_versions.is_deleted
        inner join {{ ref('stg_product__users') }} as product_users
            on
                contact_versions.email = product_users.email
                and not product_users.is_invalid
                and not product_users.is_test_account
        inner join product_user_first_loads
            on
                product_users.product_user_id = product_user_first_loads.product_user_id
                and product_user_first_loads.first_loaded_at < customer_days.known_before_at

    ),

    -- each champion's product use by the day it became known: the latest day of use known then
    champion_use as (

        select
            events.product_user_id,
            cast(first_loads.first_loaded_at as date) as known_date,
            max(cast(events.occurred_at as date)) as activity_date
        from {{ ref('stg_product__events') }} as events
        inner join {{ ref('int_product_events_first_loaded') }} as first_loads
            on events.event_id = first_loads.event_id
        where
            not events.is_invalid
            and events.product_user_id in (select champion_days.product_user_id from champion_days)
        group by events.product_user_id, cast(first_loads.first_loaded_at as date)

    ),

    -- one stream per user, use and scored days in date order (use first on a tie): a running
    -- maximum gives each scored day the latest use known by its end, without joining every day
    -- with every day of use
    champion_stream as (

        select
            product_user_id,
            known_date as stream_date,
            0 as stream_order,
            activity_date,
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as date) as scored_date
        from champion_use
        union all
        select
            product_user_id,
            scored_date as stream_date,
            1 as stream_order,
            cast(null as date) as activity_date,
            customer_id,
            scored_date
        from champion_days

    ),

    champion_last_use as (

        select
            customer_id,
            scored_date,
            max(last_activity_date) as champion_last_active_date
        from (
            select
                customer_id,
                scored_date,
                stream_order,
                max(activity_date) over (
                    partition by product_user_id
                    order by stream_date, stream_order
                    rows between unbounded preceding and current row
                ) as last_activity_date
            from champion_stream
        ) as running
        where stream_order = 1
        group by customer_id, scored_date

    ),

    product_loads as (

        select distinct cast(first_loaded_at as date) as load_date
        from {{ ref('int_product_events_first_loaded') }}

    ),
{% endif %}

billing_loads as (

    select distinct cast(valid_from as date) as load_date
    from invoice_versions

),

crm_loads as (

    select distinct cast(valid_from as date) as load_date
    from account_versions

),

-- each system's latest load known by the end of the day (a load on the day counts)
latest_loads as (

    select
        window_days.signal_date,
        {% if product %}
            (
                select max(product_loads.load_date) as load_date from product_loads
                where product_loads.load_date <= window_days.signal_date
            ) as product_loaded_date,
        {% else %}
            cast(null as date) as product_loaded_date,
        {% endif %}
        {% if surveys %}
            (
                select max(surveys_loads.load_date) as load_date from surveys_loads
                where surveys_loads.load_date <= window_days.signal_date
            ) as surveys_loaded_date,
        {% else %}
            cast(null as date) as surveys_loaded_date,
        {% endif %}
        (
            select max(billing_loads.load_date) as load_date from billing_loads
            where billing_loads.load_date <= window_days.signal_date
        ) as billing_loaded_date,
        (
            select max(crm_loads.load_date) as load_date from crm_loads
            where crm_loads.load_date <= window_days.signal_date
        ) as crm_loaded_date
    from window_days

),

churn_scores as (

    -- month ends only: the as-of date's own row is today's, and a later build would read that day
    -- from the month end before it (a past day's signal never changes)
    select * from {{ ref('ml_churn_backtest_scores') }}
    where
        is_selected_model
        and observation_date = cast({{ dbt.last_day('observation_date', 'month') }} as date)

),

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

churn_tiers_known as (

    -- the selected churn model's tier at the latest observation date (month end) on or before the day
    select
        health_days.customer_id,
        health_days.scored_date,
        churn_scores.churn_probability,
        churn_scores.risk_tier as churn_risk_tier
    from health_days
    inner join churn_scores
        on
            health_days.customer_id = churn_scores.customer_id
            and health_days.scored_date >= churn_scores.observation_date
            and cast({{ dbt.dateadd('day', -32, 'health_days.scored_date') }} as date) < churn_scores.observation_date
    qualify
        row_number() over (
            partition by health_days.customer_id, health_days.scored_date
            order by churn_scores.observation_date desc
        ) = 1

),

final as (

    select
        {{ csops.generate_surrogate_key(['health_days.customer_id', 'health_days.scored_date']) }}
            as customer_signal_day_id,
        health_days.customer_id,
        health_days.scored_date as signal_date,
        health_days.segment,
        health_days.owner_user_id,
        health_days.lifecycle_phase,
        customer_days.tenure_days,
        health_days.seats,
        health_days.health_score,
        health_days.health_band,
        health_days.score_change_30d,
        health_days.is_stale as is_health_stale,
        measures_pivoted.licence_utilisation_ratio,
        measures_pivoted.onboarding_progress_ratio,
        coalesce(journey_days.is_onboarding_overdue, false) as is_onboarding_overdue,
        measures_pivoted.payment_days_overdue,
        measures_pivoted.payment_failure_rate,
        renewals_known.next_renewal_date,
        {{ dbt.datediff('health_days.scored_date', 'renewals_known.next_renewal_date', 'day') }}
            as days_to_renewal,
        coalesce(renewals_known.is_cancel_scheduled, false) as is_cancel_scheduled,
        churn_tiers_known.churn_probability,
        churn_tiers_known.churn_risk_tier,
        {{ csops.is_churn_risk('health_days.health_band', 'renewals_known.is_cancel_scheduled',
            'churn_tiers_known.churn_risk_tier') }} as is_renewal_at_risk,
        {% if surveys %}
            nps_latest.nps_score as latest_nps_score,
            nps_latest.nps_category as latest_nps_category,
            nps_latest.known_date as latest_nps_known_date,
            nps_latest.latest_detractor_known_date,
        {% else %}
            cast(null as integer) as latest_nps_score,
            cast(null as {{ dbt.type_string() }}) as latest_nps_category,
            cast(null as date) as latest_nps_known_date,
            cast(null as date) as latest_detractor_known_date,
        {% endif %}
        {% if product %}
            champion_last_use.champion_last_active_date,
            {{ dbt.datediff('champion_last_use.champion_last_active_date', 'health_days.scored_date', 'day') }}
                as champion_inactive_days,
        {% else %}
            cast(null as date) as champion_last_active_date,
            cast(null as integer) as champion_inactive_days,
        {% endif %}
        {{ dbt.datediff('latest_loads.product_loaded_date', 'health_days.scored_date', 'day') }}
            as product_data_age_days,
        {{ dbt.datediff('latest_loads.billing_loaded_date', 'health_days.scored_date', 'day') }}
            as billing_data_age_days,
        {{ dbt.datediff('latest_loads.surveys_loaded_date', 'health_days.scored_date', 'day') }}
            as surveys_data_age_days,
        {{ dbt.datediff('latest_loads.crm_loaded_date', 'health_days.scored_date', 'day') }}
            as crm_data_age_days
    from health_days
    inner join customer_days
        on health_days.customer_id = customer_days.customer_id and health_days.scored_date = customer_days.scored_date
    left join journey_days
        on health_days.customer_id = journey_days.customer_id and health_days.scored_date = journey_days.journey_date
    left join measures_pivoted
        on
            health_days.customer_id = measures_pivoted.customer_id
            and health_days.scored_date = measures_pivoted.scored_date
    left join renewals_known
        on
            health_days.customer_id = renewals_known.customer_id
            and health_days.scored_date = renewals_known.scored_date
    {% if surveys %}
        left join nps_latest
            on
                health_days.customer_id = nps_latest.customer_id
                and health_days.scored_date = nps_latest.scored_date
    {% endif %}
    {% if product %}
        left join champion_last_use
            on
                health_days.customer_id = champion_last_use.customer_id
                and health_days.scored_date = champion_last_use.scored_date
    {% endif %}
    left join churn_tiers_known
        on
            health_days.customer_id = churn_tiers_known.customer_id
            and health_days.scored_date = churn_tiers_known.scored_date
    left join latest_loads on health_days.scored_date = latest_loads.signal_date

)

select * from final
