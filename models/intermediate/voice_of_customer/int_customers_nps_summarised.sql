{#-
    NPS per customer today: the latest answer and the customer's NPS over the last 90 days, from
    fct_nps_responses (valid answers of real customers).
-#}

with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

latest_response as (

    {{ csops.deduplicate('responses', partition_by='customer_id', order_by='submitted_at desc, nps_response_id') }}

),

last_90_days as (

    select
        responses.customer_id,
        count(*) as nps_responses_90d,
        {{ csops.nps_score(
            'count(case when responses.is_promoter then 1 end)',
            'count(case when responses.is_detractor then 1 end)',
            'count(*)'
        ) }} as nps_90d
    from responses
    cross join as_of
    where {{ csops.within_days_before_as_of('responses.submitted_at', 90) }}
    group by responses.customer_id

),

final as (

    select
        latest_response.customer_id,
        latest_response.nps_score as latest_nps_score,
        latest_response.nps_category as latest_nps_category,
        cast(latest_response.submitted_at as date) as latest_nps_date,
        coalesce(last_90_days.nps_responses_90d, 0) as nps_responses_90d,
        last_90_days.nps_90d
    from latest_response
    left join last_90_days on latest_response.customer_id = last_90_days.customer_id

)

select * from final
