with

source as (

    select * from {{ source('billing', 'customers') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as billing_customer_id,
        -- Billing carries the CRM id only for some customers; identity resolution fills the gaps.
        cast(crm_account_id as {{ dbt.type_string() }}) as crm_account_id,
        trim(name) as customer_name,
        {{ csops.normalize_email('email') }} as email,
        {{ csops.email_domain('email') }} as email_domain,
        upper(trim(currency)) as currency_code,
        upper(trim(address_country)) as country_code,
        coalesce(deleted, false) as is_deleted,
        {{ csops.epoch_to_utc('created') }} as created_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('email_domain', 'customer_name') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            case
                when currency_code is null then 'missing_currency'
                else {{ csops.email_invalid_reason('email') }}
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
