{#-
    Every valid NPS answer of a customer: promoter (9-10), passive (7-8) or detractor (0-6).
    Answers from internal test accounts, answers no rule could tie to a customer and invalid
    scores are left out (they stay in staging, flagged). The comment is personal data: null here
    unless var expose_personal_data is true (has_nps_comment says whether there is one).
-#}

with

responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}
    where not is_invalid and not is_test_account

),

links as (

    {{ csops.customer_links('surveys', 'nps_responses', 'nps_response_id') }}

),

final as (

    select
        responses.nps_response_id,
        links.customer_id,
        responses.survey_name,
        responses.nps_score,
        responses.nps_category,
        -- free text written by a person: shown only when var expose_personal_data is true
        {{ csops.personal_data('responses.nps_comment') }} as nps_comment,
        responses.nps_comment is not null as has_nps_comment,
        responses.submitted_at,
        responses.nps_category = 'promoter' as is_promoter,
        responses.nps_category = 'detractor' as is_detractor
    from responses
    inner join links on responses.nps_response_id = links.nps_response_id

)

select * from final
