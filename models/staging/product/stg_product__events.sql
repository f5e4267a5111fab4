{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    The big table: one row per product event, or per session's use of a feature with its
    event_count (1 when the export has no such column). Incremental on the load timestamp: each run reads
    what was loaded since (newest load in the table - a look-back window), so late events and
    re-synced copies are picked up. Re-synced copies share an event_id; the latest load wins, in a
    batch by csops.latest_version below and across batches by delete+insert on event_id. Every
    copy of an event's latest load is inside the window whenever that load is, so a load conflict
    is seen the same way as by a full refresh, which gives the same rows.
-#}

with

{% if is_incremental() %}
    load_window as (

        select
            {{ dbt.dateadd('hour', -1 * var('event_reload_lookback_hours'), 'max(_loaded_at)') }} as reload_from
        from {{ this }}

    ),
{% endif %}

source as (

    select * from {{ source('product', 'events') }}
    {% if is_incremental() %}
        where _loaded_at > (select load_window.reload_from from load_window)
    {% endif %}

),

latest as (

    {{ csops.latest_version('source', key='event_id') }}

),

renamed as (

    select
        cast(event_id as bigint) as event_id,
        cast(workspace_id as {{ dbt.type_string() }}) as workspace_id,
        cast(user_id as {{ dbt.type_string() }}) as product_user_id,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        -- no event_count column (one row per event): each row is one event
        coalesce(cast(event_count as integer), 1) as event_count,
        cast(occurred_at as timestamp) as occurred_at,
        cast(received_at as timestamp) as received_at,
        cast(_loaded_at as timestamp) as _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ dbt.datediff('occurred_at', 'received_at', 'second') }}
        > {{ var('late_event_threshold_hours') }} * 3600 as is_late_arriving,
        coalesce(
            {{ csops.timestamp_after_load_reason(['occurred_at', 'received_at']) }},
            case
                when occurred_at > received_at then 'occurred_after_received'
                when workspace_id is null then 'missing_workspace'
                when event_count < 1 then 'event_count_not_positive'
            end
        ) as invalid_reason
    from renamed

),

final as (

    select
        event_id,
        workspace_id,
        product_user_id,
        event_name,
        event_count,
        is_late_arriving,
        invalid_reason,
        occurred_at,
        received_at,
        _loaded_at,
        has_load_conflict,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
