{#-
    Today's health per customer, for the customer 360 (dim_customers): the score and band of the
    as-of day (int_warehouse_as_of), the change over 30 days and its direction, and the measure
    pulling the score down most. Customers without a live subscription today have no row.
    health_trend: improving / declining when the score moved by 5 points or more in 30 days,
    stable otherwise; null without both scores.
-#}

with

scores as (

    select * from {{ ref('int_customer_health_scored') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

today as (

    select scores.*
    from scores
    inner join as_of on scores.scored_date = as_of.as_of_date

),

final as (

    select
        today.customer_id,
        today.scored_date as health_scored_date,
        today.health_score,
        today.health_band,
        today.health_score - month_before.health_score as health_score_change_30d,
        case
            when today.health_score - month_before.health_score >= 5 then 'improving'
            when today.health_score - month_before.health_score <= -5 then 'declining'
            when today.health_score is not null and month_before.health_score is not null then 'stable'
        end as health_trend,
        today.driver_1_measure as health_top_driver
    from today
    left join scores as month_before
        on
            today.customer_id = month_before.customer_id
            and month_before.scored_date = cast({{ dbt.dateadd('day', -30, 'today.scored_date') }} as date)

)

select * from final
