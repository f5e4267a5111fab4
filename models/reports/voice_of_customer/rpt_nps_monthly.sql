{#-
    Overall NPS per month and over the trailing 90 days:
    NPS = % promoters - % detractors, from -100 (all detractors) to 100 (all promoters).
    Every month from the first answer to the as-of month has a row: a month without answers
    shows zero counts and a null NPS, never a gap a chart would draw straight across.
-#}

with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(responses.submitted_at)') }} as date) as first_month,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'max(as_of.as_of_date)')) }} as date) as end_month
    from responses
    cross join as_of

),

months as (

    select date_month as month_start_date
    from (
        {{ csops.date_spine(
            'month',
            '(select first_month from bounds)',
            '(select end_month from bounds)'
        ) }}
    ) as spine

),

monthly as (

    select
        months.month_start_date,
        count(case when cast({{ dbt.date_trunc('month', 'responses.submitted_at') }} as date)
                = months.month_start_date then 1
        end) as responses,
        count(case when cast({{ dbt.date_trunc('month', 'responses.submitted_at') }} as date)
                = months.month_start_date and responses.is_promoter then 1
        end) as promoters,
        count(case when cast({{ dbt.date_trunc('month', 'responses.submitted_at') }} as date)
                = months.month_start_date and responses.is_detractor then 1
        end) as detractors,
        count(responses.nps_response_id) as responses_90d,
        count(case when responses.is_promoter then 1 end) as promoters_90d,
        count(case when responses.is_detractor then 1 end) as detractors_90d
    from months
    left join responses
        on
            responses.submitted_at < cast({{ dbt.dateadd('month', 1, 'months.month_start_date') }} as timestamp)
            and responses.submitted_at >= cast({{ dbt.dateadd('day', -90,
                dbt.dateadd('month', 1, 'months.month_start_date')) }} as timestamp)
    group by months.month_start_date

),

final as (

    select
        month_start_date,
        responses,
        promoters,
        detractors,
        responses_90d,
        responses - promoters - detractors as passives,
        {{ csops.nps_score('promoters', 'detractors', 'responses') }} as nps,
        {{ csops.nps_score('promoters_90d', 'detractors_90d', 'responses_90d') }} as nps_trailing_90d
    from monthly

)

select * from final
