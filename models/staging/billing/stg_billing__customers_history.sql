{#
    Every version of each billing customer: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_billing__customers is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_billing__customers_history'), at).
#}
with

source as (

    select * from {{ source('billing', 'customers') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
