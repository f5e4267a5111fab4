with

source as (

    select * from {{ source('billing', 'subscription_items') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as subscription_item_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(quantity as integer) as quantity,
        -- price per seat and interval in the minor unit of the plan's currency (the item has no currency
        -- of its own: intermediate models convert it with the plan's, see csops.minor_to_major)
        cast(unit_amount as bigint) as unit_amount_minor,
        coalesce(cast(discount_percent as decimal(5, 2)), 0) as discount_pct,
        {{ csops.epoch_to_utc('discount_end') }} as discount_ends_at,
        {{ csops.epoch_to_utc('started_at') }} as started_at,
        {{ csops.epoch_to_utc('ended_at') }} as ended_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- discount_ends_at is scheduled and may lie ahead: not checked
        coalesce(
            {{ csops.timestamp_after_load_reason(['started_at', 'ended_at']) }},
            case
                when quantity is null or quantity <= 0 then 'non_positive_quantity'
                when discount_pct < 0 or discount_pct > 100 then 'discount_out_of_range'
                when ended_at < started_at then 'ended_before_started'
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
