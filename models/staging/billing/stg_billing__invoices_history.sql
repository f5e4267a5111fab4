with

source as (

    select * from {{ source('billing', 'invoices') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as invoice_id,
        cast(customer_id as {{ dbt.type_string() }}) as billing_customer_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        lower(trim(status)) as invoice_status,
        upper(trim(currency)) as currency_code,
        {{ csops.minor_to_major('amount_due', 'currency') }} as amount_due,
        {{ csops.minor_to_major('amount_paid', 'currency') }} as amount_paid,
        {{ csops.epoch_to_utc('created') }} as created_at,
        {{ csops.epoch_to_utc('due_date') }} as due_at,
        {{ csops.epoch_to_utc('period_start') }} as period_started_at,
        {{ csops.epoch_to_utc('period_end') }} as period_ends_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- due_at and the service period may lie ahead (an invoice can be issued in advance): not checked
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            case
                when amount_due < 0 then 'negative_amount_due'
                when amount_paid > amount_due then 'paid_more_than_due'
                when period_ends_at < period_started_at then 'period_ends_before_start'
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
