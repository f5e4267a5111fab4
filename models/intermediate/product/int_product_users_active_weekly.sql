{{ config(materialized='table') }}

{#-
    Who used the product each week: one row per customer, product user and week (weeks start on
    Monday) with the user's events and active days that week. Events of internal test workspaces
    and of workspaces no rule could tie to a customer are left out.

    A table, not a view: it aggregates every product event, and licence utilisation, the
    customer 360 and its tests all read it.
-#}

with

events as (

    select * from {{ ref('stg_product__events') }}
    where not is_invalid

),

workspace_links as (

    {{ csops.customer_links('product', 'workspaces', 'workspace_id') }}

),

user_days as (

    select
        workspace_links.customer_id,
        events.product_user_id,
        cast(events.occurred_at as date) as activity_date,
        cast(sum(events.event_count) as bigint) as events
    from events
    inner join workspace_links on events.workspace_id = workspace_links.workspace_id
    group by workspace_links.customer_id, events.product_user_id, cast(events.occurred_at as date)

),

final as (

    select
        customer_id,
        product_user_id,
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start_date,
        cast(sum(events) as bigint) as events,
        count(*) as active_days,
        max(activity_date) as last_active_date
    from user_days
    group by customer_id, product_user_id, cast({{ dbt.date_trunc('week', 'activity_date') }} as date)

)

select * from final
