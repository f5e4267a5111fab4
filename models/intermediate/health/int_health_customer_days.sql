{{ config(materialized='table') }}

{#-
    Who is scored on each health day, and their context as known that day: one row per customer and
    day (int_health_score_dates) on which billing had told the warehouse of a live subscription
    (trialing, active, past due or paused; started, not ended). Everything is taken from the
    versions known by the end of the day (csops.known_by on the history models): the subscriptions
    and their seats, the CRM account's segment and owner. A subscription first loaded after the day
    does not exist yet for it.
    lifecycle_phase: trial while every live subscription known that day is a trial (the customer
    has not paid yet: a trial converts or is lost, it cannot churn, so the backtest grades churn on
    the other phases only); onboarding during the first health_onboarding_days days after the
    customer's first subscription (or trial) started; established after.
-#}

{%- set onboarding_days = csops.checked_var('health_onboarding_days') %}

with

score_dates as (

    select * from {{ ref('int_health_score_dates') }}

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

account_versions as (

    select * from {{ ref('stg_crm__accounts_history') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

subscriptions_known as (

    select
        billing_links.customer_id,
        billing_links.customer_account_id,
        score_dates.scored_date,
        score_dates.known_before_at,
        subscription_versions.subscription_id,
        -- a trial counts from its start (started_at is the scheduled paid start)
        coalesce(subscription_versions.trial_started_at, subscription_versions.started_at) as started_at,
        subscription_versions.subscription_status in ('trialing', 'active', 'past_due', 'paused')
        and (
            subscription_versions.ended_at is null
            or subscription_versions.ended_at >= score_dates.known_before_at
        ) as is_live,
        subscription_versions.subscription_status in ('active', 'past_due', 'paused')
        and (
            subscription_versions.ended_at is null
            or subscription_versions.ended_at >= score_dates.known_before_at
        ) as is_paid_live
    from score_dates
    inner join subscription_versions
        on
            {{ csops.known_by('score_dates.known_before_at', 'subscription_versions') }}
            and coalesce(subscription_versions.trial_started_at, subscription_versions.started_at)
            < score_dates.known_before_at
    inner join billing_links on subscription_versions.billing_customer_id = billing_links.billing_customer_id

),

customers_known as (

    select
        customer_id,
        max(customer_account_id) as customer_account_id,
        scored_date,
        known_before_at,
        cast(min(started_at) as date) as first_started_date,
        max(case when is_paid_live then 1 else 0 end) = 1 as is_paying
    from subscriptions_known
    group by customer_id, scored_date, known_before_at
    having max(case when is_live then 1 else 0 end) = 1

),

seats_known as (

    select
        subscriptions_known.customer_id,
        subscriptions_known.scored_date,
        cast(sum(item_versions.quantity) as bigint) as seats,
        max(billing_plans.billing_interval_months) as billing_interval_months
    from subscriptions_known
    inner join item_versions
        on
            subscriptions_known.subscription_id = item_versions.subscription_id
            and {{ csops.known_by('subscriptions_known.known_before_at', 'item_versions') }}
            and item_versions.started_at < subscriptions_known.known_before_at
            and (item_versions.ended_at is null or item_versions.ended_at >= subscriptions_known.known_before_at)
    left join billing_plans on item_versions.plan_id = billing_plans.plan_id
    where subscriptions_known.is_live
    group by subscriptions_known.customer_id, subscriptions_known.scored_date

),

final as (

    select
        customers_known.customer_id,
        customers_known.scored_date,
        customers_known.known_before_at,
        score_dates.is_daily_scored,
        score_dates.is_in_daily_window,
        score_dates.is_week_end,
        coalesce(account_versions.segment, 'unknown') as segment,
        account_versions.owner_user_id,
        customers_known.first_started_date,
        {{ dbt.datediff('customers_known.first_started_date', 'customers_known.scored_date', 'day') }}
            as tenure_days,
        case
            when not customers_known.is_paying then 'trial'
            when {{ dbt.datediff('customers_known.first_started_date', 'customers_known.scored_date', 'day') }}
                < {{ onboarding_days }}
                then 'onboarding'
            else 'established'
        end as lifecycle_phase,
        coalesce(seats_known.seats, 0) as seats,
        seats_known.billing_interval_months
    from customers_known
    inner join score_dates on customers_known.scored_date = score_dates.scored_date
    left join seats_known
        on
            customers_known.customer_id = seats_known.customer_id
            and customers_known.scored_date = seats_known.scored_date
    left join account_versions
        on
            customers_known.customer_account_id = account_versions.account_id
            and {{ csops.known_by('customers_known.known_before_at', 'account_versions') }}

)

select * from final
