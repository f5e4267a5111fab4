{#-
    Overall NPS per month and over the trailing 90 days:
    NPS = % promoters - % detractors, from -100 (all detractors) to 100 (all promoters).
-#}

with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

months as (

    select distinct cast({{ dbt.date_trunc('month', 'submitted_at') }} as date) as month_start_date
    from responses

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
        count(*) as responses_90d,
        count(case when responses.is_promoter then 1 end) as promoters_90d,
        count(case when responses.is_detractor then 1 end) as detractors_90d
    from months
    inner join responses
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
