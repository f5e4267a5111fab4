with

source as (

    select * from {{ source('community', 'event_attendance') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as attendance_id,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        trim(event_name) as event_name,
        cast(event_date as date) as event_date,
        coalesce(attended, false) as is_attended,
        cast(registered_at as timestamp) as registered_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- event_date may lie ahead (members register for coming events): not checked
        {{ csops.timestamp_after_load_reason(['registered_at']) }} as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
