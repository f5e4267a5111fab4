{#-
    Every customer on every day of their journey - from the first day billing had told the
    warehouse of a started subscription of theirs (a trial or a contract) to the as-of day - with
    what the warehouse knew by the end of that day: the input of the journey stage rules
    (int_journey_rules_applied). One row per customer and day.

    Point in time: a version of a record is the one known on day D when it was loaded before the
    midnight after D and not yet replaced by then (csops.known_by at known_before_at) - that is,
    on the days [its load day, its replacement's load day). Each version is spread over those
    days with one range join on the day spine, so the work is linear in the rows it produces,
    never every day against every version. A subscription exists from the day it started (a
    trial from its trial start) and is live while billing says trialing, active, past due or
    paused and it has not ended (the health score's rule, int_health_customer_days).

    - subscriptions: live, paid (live and not trialing), trial, cancel scheduled and past due
      flags; the paid seats (items live that day on live paid subscriptions); the next end of a
      current term of a live paid subscription on a yearly plan (renewals are annual terms, as in
      fct_renewals).
    - CRM: the account's segment and owner, and whether an expansion opportunity (an opportunity
      type in var journey_expansion_opportunity_types) was open.
    - health: the band of the latest weekly score (the Sunday on or before the day; a Sunday's
      score uses only what was known by its end). Weekly, not daily: daily scores exist only for
      the recent window, and a past day's stage must not change when the window moves.
-#}

{%- set expansion_types = csops.checked_var('journey_expansion_opportunity_types') %}

with

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

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

account_versions as (

    select * from {{ ref('stg_crm__accounts_history') }}

),

opportunity_versions as (

    select * from {{ ref('stg_crm__opportunities_history') }}
    where not is_invalid

),

health_weeks as (

    select * from {{ ref('int_customer_health_scored') }}
    where is_week_end

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

crm_links as (

    {{ csops.customer_links('crm', 'accounts', 'account_id') }}

),

-- the days each subscription version stood for: [load day, next load day), from its start
subscription_spans as (

    select
        billing_links.customer_id,
        billing_links.customer_account_id,
        subscription_versions.subscription_id,
        subscription_versions.subscription_status,
        subscription_versions.is_cancel_at_period_end,
        subscription_versions.ended_at,
        subscription_versions.current_period_ends_at,
        subscription_versions.valid_from,
        subscription_versions.valid_to,
        greatest(
            cast(subscription_versions.valid_from as date),
            cast(coalesce(subscription_versions.trial_started_at, subscription_versions.started_at) as date)
        ) as span_start_date,
        coalesce(
            cast(subscription_versions.valid_to as date),
            cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date)
        ) as span_end_date
    from subscription_versions
    inner join billing_links on subscription_versions.billing_customer_id = billing_links.billing_customer_id
    cross join as_of

),

item_spans as (

    select
        item_versions.subscription_id,
        item_versions.quantity,
        item_versions.started_at,
        item_versions.ended_at,
        item_versions.valid_from,
        item_versions.valid_to,
        plans.billing_interval,
        greatest(cast(item_versions.valid_from as date), cast(item_versions.started_at as date)) as span_start_date,
        coalesce(
            cast(item_versions.valid_to as date),
            cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date)
        ) as span_end_date
    from item_versions
    left join plans on item_versions.plan_id = plans.plan_id
    cross join as_of

),

journey_starts as (

    select
        customer_id,
        max(customer_account_id) as customer_account_id,
        min(span_start_date) as journey_start_date
    from subscription_spans
    where span_start_date < span_end_date
    group by customer_id

),

days as (

    select
        spine.date_day,
        cast({{ dbt.dateadd('day', 1, 'spine.date_day') }} as timestamp) as known_before_at
    from (
        {{ csops.date_spine(
            'day',
            '(select min(journey_start_date) from journey_starts)',
            "(select " ~ dbt.dateadd('day', 1, 'as_of_date') ~ " from as_of)"
        ) }}
    ) as spine

),

subscription_days as (

    select
        subscription_spans.customer_id,
        subscription_spans.subscription_id,
        days.date_day,
        subscription_spans.subscription_status,
        subscription_spans.is_cancel_at_period_end,
        subscription_spans.current_period_ends_at,
        days.known_before_at,
        subscription_spans.subscription_status in ('trialing', 'active', 'past_due', 'paused')
        and (subscription_spans.ended_at is null or subscription_spans.ended_at >= days.known_before_at) as is_live
    from subscription_spans
    inner join days
        on
            subscription_spans.span_start_date <= days.date_day
            and subscription_spans.span_end_date > days.date_day
    -- the same days, stated as the project's rule
    where {{ csops.known_by('days.known_before_at', 'subscription_spans') }}

),

item_days as (

    select
        item_spans.subscription_id,
        days.date_day,
        sum(item_spans.quantity) as seats,
        max(case when item_spans.billing_interval = 'year' then 1 else 0 end) as is_annual
    from item_spans
    inner join days
        on
            item_spans.span_start_date <= days.date_day
            and item_spans.span_end_date > days.date_day
    where
        {{ csops.known_by('days.known_before_at', 'item_spans') }}
        and item_spans.started_at < days.known_before_at
        and (item_spans.ended_at is null or item_spans.ended_at >= days.known_before_at)
    group by item_spans.subscription_id, days.date_day

),

billing_days as (

    select
        subscription_days.customer_id,
        subscription_days.date_day,
        max(case when subscription_days.is_live then 1 else 0 end) = 1 as has_live_subscription,
        max(case
            when subscription_days.is_live and subscription_days.subscription_status != 'trialing' then 1 else 0
        end) = 1 as has_paid_subscription,
        max(case
            when subscription_days.is_live and subscription_days.subscription_status = 'trialing' then 1 else 0
        end) = 1 as has_trial_subscription,
        max(case
            when
                subscription_days.is_live
                and subscription_days.subscription_status != 'trialing'
                and subscription_days.is_cancel_at_period_end
                then 1
            else 0
        end) = 1 as has_cancel_scheduled,
        max(case
            when subscription_days.is_live and subscription_days.subscription_status = 'past_due' then 1 else 0
        end) = 1 as has_past_due_subscription,
        sum(case
            when subscription_days.is_live and subscription_days.subscription_status != 'trialing'
                then coalesce(item_days.seats, 0)
            else 0
        end) as paid_seats,
        min(case
            when
                subscription_days.is_live
                and subscription_days.subscription_status != 'trialing'
                and item_days.is_annual = 1
                and subscription_days.current_period_ends_at >= subscription_days.known_before_at
                then cast(subscription_days.current_period_ends_at as date)
        end) as next_term_end_date
    from subscription_days
    left join item_days
        on
            subscription_days.subscription_id = item_days.subscription_id
            and subscription_days.date_day = item_days.date_day
    group by subscription_days.customer_id, subscription_days.date_day

),

customer_spine as (

    select
        journey_starts.customer_id,
        journey_starts.customer_account_id,
        journey_starts.journey_start_date,
        days.date_day,
        days.known_before_at
    from journey_starts
    inner join days on journey_starts.journey_start_date <= days.date_day

),

account_spans as (

    select
        account_versions.account_id,
        account_versions.segment,
        account_versions.owner_user_id,
        account_versions.valid_from,
        account_versions.valid_to,
        cast(account_versions.valid_from as date) as span_start_date,
        coalesce(
            cast(account_versions.valid_to as date),
            cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date)
        ) as span_end_date
    from account_versions
    cross join as_of

),

-- an expansion opportunity open (created, not closed, not deleted) in the version known that day
expansion_days as (

    select distinct
        crm_links.customer_id,
        days.date_day
    from opportunity_versions
    inner join crm_links on opportunity_versions.account_id = crm_links.account_id
    cross join as_of
    inner join days
        on
            greatest(
                cast(opportunity_versions.valid_from as date), cast(opportunity_versions.created_at as date)
            ) <= days.date_day
            and coalesce(
                cast(opportunity_versions.valid_to as date),
                cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date)
            ) > days.date_day
    where
        {{ csops.known_by('days.known_before_at', 'opportunity_versions') }}
        and opportunity_versions.opportunity_type in ({{ csops.quoted_list(expansion_types) }})
        and not opportunity_versions.is_closed
        and not opportunity_versions.is_deleted

),

final as (

    select
        customer_spine.customer_id,
        customer_spine.date_day,
        customer_spine.known_before_at,
        customer_spine.journey_start_date,
        coalesce(account_spans.segment, 'unknown') as segment,
        account_spans.owner_user_id,
        coalesce(billing_days.has_live_subscription, false) as has_live_subscription,
        coalesce(billing_days.has_paid_subscription, false) as has_paid_subscription,
        coalesce(billing_days.has_trial_subscription, false) as has_trial_subscription,
        coalesce(billing_days.has_cancel_scheduled, false) as has_cancel_scheduled,
        coalesce(billing_days.has_past_due_subscription, false) as has_past_due_subscription,
        coalesce(billing_days.paid_seats, 0) as paid_seats,
        billing_days.next_term_end_date,
        expansion_days.customer_id is not null as has_open_expansion_opportunity,
        health_weeks.health_band
    from customer_spine
    left join billing_days
        on
            customer_spine.customer_id = billing_days.customer_id
            and customer_spine.date_day = billing_days.date_day
    -- the span's days are the days csops.known_by holds on; a null-tolerant known_by in a left
    -- join's condition would make DuckDB compare every customer-day with every account version
    left join account_spans
        on
            customer_spine.customer_account_id = account_spans.account_id
            and customer_spine.date_day >= account_spans.span_start_date
            and customer_spine.date_day < account_spans.span_end_date
    left join expansion_days
        on
            customer_spine.customer_id = expansion_days.customer_id
            and customer_spine.date_day = expansion_days.date_day
    left join health_weeks
        on
            customer_spine.customer_id = health_weeks.customer_id
            and health_weeks.scored_date = cast(
                {{ dbt.dateadd('day', -1, dbt.date_trunc('week', dbt.dateadd('day', 1, 'customer_spine.date_day'))) }}
                as date
            )

)

select * from final
