{#
    Every version of each subscription item: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_billing__subscription_items is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_billing__subscription_items_history'), at).
#}
with

source as (

    select * from {{ source('billing', 'subscription_items') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
