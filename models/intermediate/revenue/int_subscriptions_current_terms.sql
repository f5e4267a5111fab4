{#-
    Each subscription as billing describes it today, with the plan and seats of its current (or
    last) item: what the subscriptions snapshot records day by day, so later models can ask what
    was true on a past date.
-#}

with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

items as (

    select * from {{ ref('stg_billing__subscription_items') }}

),

latest_item as (

    {{ csops.deduplicate(
        'items',
        partition_by='subscription_id',
        order_by='started_at desc, subscription_item_id desc'
    ) }}

),

final as (

    select
        subscriptions.subscription_id,
        subscriptions.billing_customer_id,
        subscriptions.subscription_status,
        subscriptions.currency_code,
        latest_item.plan_id,
        latest_item.quantity,
        latest_item.discount_pct,
        subscriptions.is_cancel_at_period_end,
        subscriptions.current_period_ends_at,
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.canceled_at,
        subscriptions.ended_at,
        -- kept, not filtered: the snapshot records every subscription billing has; readers that
        -- take dates from here leave invalid ones out (a start after the export cannot be true)
        subscriptions.is_invalid
    from subscriptions
    left join latest_item on subscriptions.subscription_id = latest_item.subscription_id

)

select * from final
