{#
    Every version of each invoice: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_billing__invoices is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_billing__invoices_history'), at).
#}
with

source as (

    select * from {{ source('billing', 'invoices') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
