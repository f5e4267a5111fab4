with

source as (

    select * from {{ source('support', 'organizations') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as organization_id,
        trim(name) as organization_name,
        -- the help desk knows a domain for only some organisations
        {{ csops.normalize_domain('domain_names') }} as domain,
        {{ csops.iso_to_utc('created_at') }} as created_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('domain', 'organization_name') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            case
                when organization_name is null or organization_name = '' then 'missing_name'
            end
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
