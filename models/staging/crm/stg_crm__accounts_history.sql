with

source as (

    select * from {{ source('crm', 'accounts') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(parent_id as {{ dbt.type_string() }}) as parent_account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_user_id,
        trim(name) as account_name,
        {{ csops.normalize_domain('website') }} as website_domain,
        {{ csops.to_snake_code('type') }} as account_type,
        {{ csops.to_snake_code('segment__c') }} as segment,
        {{ csops.to_snake_code('industry') }} as industry,
        cast(number_of_employees as integer) as employee_count,
        upper(trim(billing_country)) as billing_country_code,
        upper(trim(currency_iso_code)) as currency_code,
        coalesce(is_deleted, false) as is_deleted,
        {{ csops.iso_to_utc('created_date') }} as created_at,
        {{ csops.iso_to_utc('last_modified_date') }} as last_modified_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('website_domain', 'account_name') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at', 'last_modified_at']) }},
            case
                when account_name is null or account_name = '' then 'missing_account_name'
                when parent_account_id = account_id then 'account_is_its_own_parent'
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
