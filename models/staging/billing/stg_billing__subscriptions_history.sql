{#
    Every version of each subscription: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_billing__subscriptions is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_billing__subscriptions_history'), at).
#}
with

source as (

    select * from {{ source('billing', 'subscriptions') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as subscription_id,
        cast(customer_id as {{ dbt.type_string() }}) as billing_customer_id,
        lower(trim(status)) as subscription_status,
        upper(trim(currency)) as currency_code,
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        {{ csops.epoch_to_utc('created') }} as created_at,
        {{ csops.epoch_to_utc('start_date') }} as started_at,
        {{ csops.epoch_to_utc('trial_start') }} as trial_started_at,
        {{ csops.epoch_to_utc('trial_end') }} as trial_ended_at,
        {{ csops.epoch_to_utc('current_period_start') }} as current_period_started_at,
        {{ csops.epoch_to_utc('current_period_end') }} as current_period_ends_at,
        {{ csops.epoch_to_utc('canceled_at') }} as canceled_at,
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
        -- trial_ended_at and current_period_ends_at are scheduled and may lie ahead: not checked;
        -- nor, on a trial, started_at and current_period_started_at: billing exports a trial with
        -- the day its first paid period is scheduled to start
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at', 'trial_started_at', 'canceled_at', 'ended_at']) }},
            case
                when subscription_status != 'trialing'
                    then {{ csops.timestamp_after_load_reason(['started_at', 'current_period_started_at']) }}
            end,
            case
                when ended_at < created_at then 'ended_before_created'
                when subscription_status = 'canceled' and ended_at is null then 'canceled_without_end'
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
