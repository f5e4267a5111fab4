with

source as (

    select * from {{ source('community', 'members') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as member_id,
        {{ csops.normalize_email('email') }} as email,
        {{ csops.email_domain('email') }} as email_domain,
        trim(display_name) as display_name,
        cast(joined_at as timestamp) as joined_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('email_domain') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['joined_at']) }},
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
