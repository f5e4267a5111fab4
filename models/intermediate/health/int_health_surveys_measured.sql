{{ config(enabled=var('enable_surveys', true)) }}

{#-
    The voice-of-customer measures of the health score for every scored customer-day, from the
    survey answers submitted and first loaded by the end of the day (a re-sent answer counts from
    its first load):
    csat  share of the CSAT answers of the last 180 days rating 4 or 5
    nps   average 0-10 answer of the NPS answers of the last 365 days
    with the day of the latest answer (the scorecard's freshness limit reads it). Null when there
    was no answer in the window.
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

csat as (

    select * from {{ ref('stg_surveys__csat_responses') }}
    where not is_invalid and not is_test_account

),

nps as (

    select * from {{ ref('stg_surveys__nps_responses') }}
    where not is_invalid and not is_test_account

),

csat_first_loads as (

    {{ csops.first_loads('surveys', 'csat_responses', 'response_id', 'csat_response_id') }}

),

nps_first_loads as (

    {{ csops.first_loads('surveys', 'nps_responses', 'response_id', 'nps_response_id') }}

),

csat_links as (

    {{ csops.customer_links('surveys', 'csat_responses', 'csat_response_id') }}

),

nps_links as (

    {{ csops.customer_links('surveys', 'nps_responses', 'nps_response_id') }}

),

answers as (

    select
        csat_links.customer_id,
        'csat' as survey,
        case when csat.is_satisfied then 1.0 else 0.0 end as answer_value,
        csat.submitted_at,
        csat_first_loads.first_loaded_at
    from csat
    inner join csat_first_loads on csat.csat_response_id = csat_first_loads.csat_response_id
    inner join csat_links on csat.csat_response_id = csat_links.csat_response_id
    union all
    select
        nps_links.customer_id,
        'nps' as survey,
        nps.nps_score * 1.0 as answer_value,
        nps.submitted_at,
        nps_first_loads.first_loaded_at
    from nps
    inner join nps_first_loads on nps.nps_response_id = nps_first_loads.nps_response_id
    inner join nps_links on nps.nps_response_id = nps_links.nps_response_id

),

answers_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        answers.survey,
        answers.answer_value,
        answers.submitted_at
    from customer_days
    inner join answers
        on
            customer_days.customer_id = answers.customer_id
            and customer_days.known_before_at > answers.first_loaded_at
            and answers.submitted_at >= cast({{ dbt.dateadd('day', -364, 'customer_days.scored_date') }} as timestamp)

),

final as (

    select
        customer_id,
        scored_date,
        avg(case
            when survey = 'csat'
                and submitted_at >= cast({{ dbt.dateadd('day', -179, 'scored_date') }} as timestamp)
                then answer_value
        end) as csat,
        max(case
            when survey = 'csat'
                and submitted_at >= cast({{ dbt.dateadd('day', -179, 'scored_date') }} as timestamp)
                then cast(submitted_at as date)
        end) as csat_last_input_date,
        avg(case when survey = 'nps' then answer_value end) as nps,
        max(case when survey = 'nps' then cast(submitted_at as date) end) as nps_last_input_date
    from answers_known
    group by customer_id, scored_date

)

select * from final
