with

source as (

    select * from {{ source('billing', 'subscription_pauses') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as subscription_pause_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        -- when billing stops; scheduled, so it can lie ahead of the load as well
        {{ csops.epoch_to_utc('paused_at') }} as paused_at,
        -- the scheduled resumption; it can lie ahead of today
        {{ csops.epoch_to_utc('resumes_at') }} as resumes_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- no csops.timestamp_after_load_reason: a pause is exported when it is scheduled, so both
        -- paused_at and resumes_at may lie ahead of the load
        case
            when resumes_at <= paused_at then 'resumes_before_paused'
        end as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
