with

source as (

    select * from {{ source('cs_platform', 'play_assignments') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as play_assignment_id,
        lower(trim(play_name)) as play_name,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(csm_user_id as {{ dbt.type_string() }}) as csm_user_id,
        lower(trim(assignment_group)) as assignment_group,
        lower(trim(assignment_group)) = 'holdout' as is_holdout,
        {{ csops.iso_to_utc('assigned_at') }} as assigned_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['assigned_at']) }},
            case
                when account_id is null then 'missing_account'
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
