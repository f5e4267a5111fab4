with

source as (

    select * from {{ source('surveys', 'csat_responses') }}

),

latest as (

    {{ csops.latest_version('source', key='response_id') }}

),

renamed as (

    select
        cast(response_id as {{ dbt.type_string() }}) as csat_response_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        {{ csops.normalize_email('respondent_email') }} as respondent_email,
        {{ csops.email_domain('respondent_email') }} as respondent_email_domain,
        cast(rating as integer) as csat_rating,
        nullif(trim(comment), '') as csat_comment,
        {{ csops.iso_to_utc('submitted_at') }} as submitted_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- CSAT counts 4 and 5 on the 1-5 scale as satisfied
        csat_rating >= 4 as is_satisfied,
        {{ csops.is_internal_test_account('respondent_email_domain') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['submitted_at']) }},
            case
                when csat_rating is null then 'missing_rating'
                when csat_rating not between 1 and 5 then 'rating_out_of_range'
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
