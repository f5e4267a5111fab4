with

source as (

    select * from {{ source('cs_platform', 'activities') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        -- the CS platform syncs accounts from the CRM, so it carries the CRM account id
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(csm_user_id as {{ dbt.type_string() }}) as csm_user_id,
        lower(trim(activity_type)) as activity_type,
        cast(duration_minutes as integer) as duration_minutes,
        nullif(trim(notes), '') as activity_notes,
        {{ csops.iso_to_utc('occurred_at') }} as occurred_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['occurred_at']) }},
            case
                when account_id is null then 'missing_account'
                when duration_minutes < 0 then 'negative_duration'
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
