with

source as (

    select * from {{ source('surveys', 'nps_responses') }}

),

latest as (

    {{ csops.latest_version('source', key='response_id') }}

),

renamed as (

    select
        cast(response_id as {{ dbt.type_string() }}) as nps_response_id,
        trim(survey_name) as survey_name,
        {{ csops.normalize_email('respondent_email') }} as respondent_email,
        {{ csops.email_domain('respondent_email') }} as respondent_email_domain,
        cast(score as integer) as nps_score,
        nullif(trim(comment), '') as nps_comment,
        {{ csops.iso_to_utc('submitted_at') }} as submitted_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        -- the standard NPS bands: 9-10 promoters, 7-8 passives, 0-6 detractors
        case
            when nps_score between 9 and 10 then 'promoter'
            when nps_score between 7 and 8 then 'passive'
            when nps_score between 0 and 6 then 'detractor'
        end as nps_category,
        {{ csops.is_internal_test_account('respondent_email_domain') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['submitted_at']) }},
            case
                when nps_score is null then 'missing_score'
                when nps_score not between 0 and 10 then 'score_out_of_range'
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
