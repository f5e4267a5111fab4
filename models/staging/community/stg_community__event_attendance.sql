with

source as (

    select * from {{ source('community', 'event_attendance') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

final as (

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

)

select * from final
