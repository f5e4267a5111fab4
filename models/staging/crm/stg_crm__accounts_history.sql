{#
    Every version of each CRM account: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_crm__accounts is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_crm__accounts_history'), at).
#}
with

source as (

    select * from {{ source('crm', 'accounts') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
