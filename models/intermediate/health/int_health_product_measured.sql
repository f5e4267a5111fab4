{{ config(materialized='table', enabled=var('enable_product', true)) }}

{#-
    The product measures of the health score for every scored customer-day, counting only the use
    the warehouse knew of by the end of the day. An event that happened on day a and was first
    loaded on day k (k >= a; an event stamped after its load is invalid) counts in the 28 days to
    day D exactly when k <= D <= a + 27. So each row of use adds to the days [k, a + 28) - a
    contribution interval - and every measure is a running sum of what intervals open and close
    on each day (the scored days join the same stream with no change, so each reads its own running
    sum): linear in the rows of use, never a join of every day with every event. Distinct
    counts (users, features) merge each user's or feature's overlapping intervals first.

    usage_breadth        core features used in the 28 days / core features in the catalogue
    usage_depth          events in the 28 days / users active in them
    usage_stickiness     average daily active users over the 28 days / users active in them (DAU/MAU)
    licence_utilisation  users active in the 28 days / seats (null without seats)
    usage_momentum       events in the 28 days / events in the 28 days before - 1 (null when both are 0;
                         capped at 3 when only the recent period has events)
    onboarding_progress  core features used at least once, ever / core features
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

usage as (

    select * from {{ ref('int_product_usage_rolled_up') }}

),

core_features as (

    select feature_key from {{ ref('stg_product__features') }}
    where is_core_feature

),

core_feature_count as (

    select count(*) as core_features from core_features

),

-- the first day any product use was known: before it (or with no product data at all, e.g. an
-- empty events export) the product measures are missing, not zero - no data is not no use
product_known as (

    select min(first_known_date) as first_known_date from usage

),

-- one row per customer, user and day of use: known from the first of its events' loads
user_days as (

    select
        customer_id,
        product_user_id,
        activity_date,
        min(first_known_date) as first_known_date
    from usage
    group by customer_id, product_user_id, activity_date

),

core_feature_days as (

    select
        usage.customer_id,
        usage.event_name,
        usage.activity_date,
        min(usage.first_known_date) as first_known_date
    from usage
    inner join core_features on usage.event_name = core_features.feature_key
    group by usage.customer_id, usage.event_name, usage.activity_date

),

-- contribution intervals [opens_on, closes_on) of each distinct user / core feature, merged
member_intervals as (

    select
        customer_id,
        'user' as member_kind,
        product_user_id as member_id,
        first_known_date as opens_on,
        cast({{ dbt.dateadd('day', 28, 'activity_date') }} as date) as closes_on
    from user_days
    union all
    select
        customer_id,
        'core_feature' as member_kind,
        event_name as member_id,
        first_known_date as opens_on,
        cast({{ dbt.dateadd('day', 28, 'activity_date') }} as date) as closes_on
    from core_feature_days

),

member_intervals_ordered as (

    select
        *,
        max(closes_on) over (
            partition by customer_id, member_kind, member_id
            order by opens_on, closes_on
            rows between unbounded preceding and 1 preceding
        ) as earlier_closes_on
    from member_intervals
    where opens_on < closes_on

),

member_islands as (

    select
        *,
        sum(case when earlier_closes_on is null or opens_on > earlier_closes_on then 1 else 0 end) over (
            partition by customer_id, member_kind, member_id
            order by opens_on, closes_on
            rows between unbounded preceding and current row
        ) as island_number
    from member_intervals_ordered

),

member_islands_merged as (

    select
        customer_id,
        member_kind,
        min(opens_on) as opens_on,
        max(closes_on) as closes_on
    from member_islands
    group by customer_id, member_kind, member_id, island_number

),

-- what each day opens (+) and closes (-), per measure
changes as (

    -- events in the 28 days to D: k <= D < a + 28
    select
        customer_id,
        first_known_date as change_date,
        events as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from usage
    where first_known_date < {{ dbt.dateadd('day', 28, 'activity_date') }}
    union all
    select
        customer_id,
        cast({{ dbt.dateadd('day', 28, 'activity_date') }} as date) as change_date,
        -events as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from usage
    where first_known_date < {{ dbt.dateadd('day', 28, 'activity_date') }}
    union all
    -- events in the 28 days before those: D - 55 <= a <= D - 28 and k <= D
    select
        customer_id,
        greatest(first_known_date, cast({{ dbt.dateadd('day', 28, 'activity_date') }} as date)) as change_date,
        0 as events_28d,
        events as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from usage
    where first_known_date < {{ dbt.dateadd('day', 56, 'activity_date') }}
    union all
    select
        customer_id,
        cast({{ dbt.dateadd('day', 56, 'activity_date') }} as date) as change_date,
        0 as events_28d,
        -events as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from usage
    where first_known_date < {{ dbt.dateadd('day', 56, 'activity_date') }}
    union all
    -- user-days in the 28 days (the sum of daily active users)
    select
        customer_id,
        first_known_date as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        1 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from user_days
    where first_known_date < {{ dbt.dateadd('day', 28, 'activity_date') }}
    union all
    select
        customer_id,
        cast({{ dbt.dateadd('day', 28, 'activity_date') }} as date) as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        -1 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from user_days
    where first_known_date < {{ dbt.dateadd('day', 28, 'activity_date') }}
    union all
    -- distinct users and core features in the 28 days
    select
        customer_id,
        opens_on as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        case when member_kind = 'user' then 1 else 0 end as active_users_28d,
        case when member_kind = 'core_feature' then 1 else 0 end as core_features_28d,
        0 as core_features_ever
    from member_islands_merged
    union all
    select
        customer_id,
        closes_on as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        case when member_kind = 'user' then -1 else 0 end as active_users_28d,
        case when member_kind = 'core_feature' then -1 else 0 end as core_features_28d,
        0 as core_features_ever
    from member_islands_merged
    union all
    -- core features ever used
    select
        customer_id,
        min(first_known_date) as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        1 as core_features_ever
    from core_feature_days
    group by customer_id, event_name

),

-- the scored days themselves, with no change: the running sums below then stand on every one
scored_days as (

    select
        customer_id,
        scored_date as change_date,
        0 as events_28d,
        0 as events_prior_28d,
        0 as active_user_days_28d,
        0 as active_users_28d,
        0 as core_features_28d,
        0 as core_features_ever
    from customer_days

),

daily_changes as (

    select
        customer_id,
        change_date,
        sum(events_28d) as events_28d,
        sum(events_prior_28d) as events_prior_28d,
        sum(active_user_days_28d) as active_user_days_28d,
        sum(active_users_28d) as active_users_28d,
        sum(core_features_28d) as core_features_28d,
        sum(core_features_ever) as core_features_ever
    from (
        select * from changes
        union all
        select * from scored_days
    ) as all_changes
    group by customer_id, change_date

),

-- the running state at the end of each day (its own changes included)
running as (

    select
        customer_id,
        change_date,
        sum(events_28d) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as events_28d,
        sum(events_prior_28d) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as events_prior_28d,
        sum(active_user_days_28d) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as active_user_days_28d,
        sum(active_users_28d) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as active_users_28d,
        sum(core_features_28d) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as core_features_28d,
        sum(core_features_ever) over (
            partition by customer_id order by change_date rows between unbounded preceding and current row
        ) as core_features_ever
    from daily_changes

),

measured as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        customer_days.seats,
        running.events_28d,
        running.events_prior_28d,
        running.active_user_days_28d,
        running.active_users_28d,
        running.core_features_28d,
        running.core_features_ever,
        core_feature_count.core_features
    from customer_days
    cross join core_feature_count
    inner join running
        on customer_days.customer_id = running.customer_id and customer_days.scored_date = running.change_date

),

final as (

    select
        customer_id,
        scored_date,
        events_28d,
        events_prior_28d,
        active_users_28d,
        active_user_days_28d,
        core_features_28d,
        core_features_ever,
        case when core_features > 0 then core_features_28d * 1.0 / core_features end as usage_breadth,
        case when active_users_28d > 0 then events_28d * 1.0 / active_users_28d else 0 end as usage_depth,
        case
            when active_users_28d > 0 then active_user_days_28d / 28.0 / active_users_28d else 0
        end as usage_stickiness,
        case when seats > 0 then active_users_28d * 1.0 / seats end as licence_utilisation,
        case
            when events_prior_28d > 0 then least(events_28d * 1.0 / events_prior_28d - 1, 3)
            when events_28d > 0 then 3
        end as usage_momentum,
        case when core_features > 0 then core_features_ever * 1.0 / core_features end as onboarding_progress
    from measured
    where scored_date >= (select product_known.first_known_date from product_known)

)

select * from final
