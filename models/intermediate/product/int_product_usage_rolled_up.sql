{{ config(materialized='table', enabled=var('enable_product', true)) }}

{#-
    Product use rolled up for the health score, one row per customer, product user, event name,
    day of use and day the warehouse first knew of it (first_known_date: the day of the event's
    first load; a late event is known days after it happened). A score for day D counts a row only
    when first_known_date <= D. Valid events of workspaces tied to a customer only.
-#}

with

events as (

    select * from {{ ref('stg_product__events') }}
    where not is_invalid

),

first_loads as (

    select * from {{ ref('int_product_events_first_loaded') }}

),

workspace_links as (

    {{ csops.customer_links('product', 'workspaces', 'workspace_id') }}

),

final as (

    select
        workspace_links.customer_id,
        events.product_user_id,
        events.event_name,
        cast(events.occurred_at as date) as activity_date,
        cast(first_loads.first_loaded_at as date) as first_known_date,
        cast(sum(events.event_count) as bigint) as events
    from events
    inner join first_loads on events.event_id = first_loads.event_id
    inner join workspace_links on events.workspace_id = workspace_links.workspace_id
    group by
        workspace_links.customer_id,
        events.product_user_id,
        events.event_name,
        cast(events.occurred_at as date),
        cast(first_loads.first_loaded_at as date)

)

select * from final
