with

source as (

    select * from {{ source('billing', 'payments') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as payment_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as billing_customer_id,
        lower(trim(status)) as payment_status,
        lower(trim(status)) = 'failed' as is_failed,
        lower(trim(failure_code)) as failure_code,
        cast(attempt_count as integer) as attempt_number,
        upper(trim(currency)) as currency_code,
        {{ csops.minor_to_major('amount', 'currency') }} as amount,
        {{ csops.epoch_to_utc('created') }} as attempted_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['attempted_at']) }},
            case
                when amount <= 0 then 'non_positive_amount'
                when is_failed and failure_code is null then 'failed_without_reason'
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
