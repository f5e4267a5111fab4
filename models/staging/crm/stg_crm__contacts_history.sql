with

source as (

    select * from {{ source('crm', 'contacts') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        {{ csops.normalize_email('email') }} as email,
        {{ csops.email_domain('email') }} as email_domain,
        trim(title) as job_title,
        coalesce(is_primary_contact, false) as is_primary_contact,
        coalesce(is_deleted, false) as is_deleted,
        {{ csops.iso_to_utc('created_date') }} as created_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('email_domain') }} as is_test_account,
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
