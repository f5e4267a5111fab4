with

source as (

    select * from {{ source('cs_platform', 'check_ins') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as check_in_id,
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(csm_user_id as {{ dbt.type_string() }}) as csm_user_id,
        cast(sentiment as integer) as sentiment_score,
        lower(trim(adoption_status)) as adoption_status,
        lower(trim(value_realised_status)) as value_realised_status,
        lower(trim(relationship_status)) as relationship_status,
        lower(trim(technical_fit_status)) as technical_fit_status,
        nullif(trim(customer_ask), '') as customer_ask,
        {{ csops.iso_to_utc('checked_in_at') }} as checked_in_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        coalesce(
            {{ csops.timestamp_after_load_reason(['checked_in_at']) }},
            case
                when sentiment_score not between 1 and 5 then 'sentiment_out_of_range'
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
