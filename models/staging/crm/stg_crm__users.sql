with

source as (

    select * from {{ source('crm', 'users') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as user_id,
        cast(manager_id as {{ dbt.type_string() }}) as manager_user_id,
        trim(name) as full_name,
        {{ csops.normalize_email('email') }} as email,
        {{ csops.to_snake_code('user_role') }} as user_role,
        {{ csops.to_snake_code('segment_coverage') }} as segment_coverage,
        coalesce(is_active, false) as is_active,
        {{ csops.iso_to_utc('created_date') }} as created_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            {{ csops.email_invalid_reason('email') }}
        ) as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
