{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='append',
        on_schema_change='fail',
        enabled=var('enable_product', true),
    )
}}

{#-
    When the warehouse first knew of each product event: the first load (_loaded_at) that
    delivered it. stg_product__events keeps an event's latest copy (a re-sync can send it again
    days later), so a score for a past day asks this model whether the event was known then.
    An event's first load never changes, so each run only appends the events it has not seen,
    from the loads since the newest first load here (minus the event reload look-back).
-#}

with

{% if is_incremental() %}
    load_window as (

        select
            {{ dbt.dateadd('hour', -1 * var('event_reload_lookback_hours'), 'max(first_loaded_at)') }} as reload_from
        from {{ this }}

    ),
{% endif %}

source as (

    select * from {{ source('product', 'events') }}
    {% if is_incremental() %}
        where _loaded_at > (select load_window.reload_from from load_window)
    {% endif %}

),

first_loads as (

    select
        cast(event_id as bigint) as event_id,
        cast(min(_loaded_at) as timestamp) as first_loaded_at
    from source
    where event_id is not null
    group by cast(event_id as bigint)

),

final as (

    select first_loads.*
    from first_loads
    {% if is_incremental() %}
        where first_loads.event_id not in (select known.event_id from {{ this }} as known)
    {% endif %}

)

select * from final
