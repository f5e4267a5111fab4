{#
    One row per subscription and reported month: the subscription as billing had told the warehouse
    by the month's close (int_revenue_months.measured_at) - its status, whether a cancellation at
    the period end was already scheduled, when its paid period ended - taken from the version valid
    at that instant (stg_billing__subscriptions_history, csops.valid_at). Nothing loaded after the
    close is seen, so a model trained on these months cannot see the future; a subscription first
    loaded after a month's close has no row for that month. A load exactly at the close counts as
    known at the close.
#}

with

months as (

    select * from {{ ref('int_revenue_months') }}

),

subscription_versions as (

    select * from {{ ref('stg_billing__subscriptions_history') }}

),

known_at_close as (

    select
        subscription_versions.subscription_id,
        months.month_start_date,
        months.measured_at,
        subscription_versions.billing_customer_id,
        subscription_versions.subscription_status,
        subscription_versions.is_cancel_at_period_end,
        subscription_versions.is_invalid,
        subscription_versions.current_period_ends_at,
        subscription_versions.canceled_at,
        subscription_versions.ended_at,
        subscription_versions.valid_from as version_loaded_at
    from months
    inner join subscription_versions
        on {{ csops.valid_at('months.measured_at', 'subscription_versions') }}

),

final as (

    select * from known_at_close

)

select * from final
