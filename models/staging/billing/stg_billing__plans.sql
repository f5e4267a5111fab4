{#-
    interval_count (Stripe's plan.interval_count: a quarterly plan is interval month, count 3) is
    an optional column of the raw contract - the demo data has none, and registration reads a
    missing optional column as null. A plan whose count is missing or empty bills once per
    interval (1), so a plan exported as month with count 3 is never counted at three times its MRR.
-#}

with

source as (

    select * from {{ source('billing', 'plans') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as plan_id,
        trim(product_name) as product_name,
        lower(trim(tier)) as plan_tier,
        lower(trim(interval)) as billing_interval,
        coalesce(cast(interval_count as integer), 1) as interval_count,
        case lower(trim(interval))
            when 'month' then 1
            when 'year' then 12
        end * coalesce(cast(interval_count as integer), 1) as billing_interval_months,
        upper(trim(currency)) as currency_code,
        {{ csops.minor_to_major('unit_amount', 'currency') }} as unit_amount,
        coalesce(active, false) as is_active,
        {{ csops.epoch_to_utc('created') }} as created_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            case
                when billing_interval_months is null then 'unknown_billing_interval'
                when interval_count < 1 then 'non_positive_interval_count'
                when unit_amount < 0 then 'negative_unit_amount'
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
