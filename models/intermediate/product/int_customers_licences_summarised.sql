{#-
    Licences per customer today: the seats and licence utilisation of the customer's latest week
    in fct_licence_utilisation_weekly, which owns how seats and active users are counted.
-#}

with

licence_weeks as (

    select * from {{ ref('fct_licence_utilisation_weekly') }}

),

latest_week as (

    {{ csops.deduplicate('licence_weeks', partition_by='customer_id', order_by='week_start_date desc') }}

),

final as (

    select
        customer_id,
        week_start_date as latest_licence_week_start_date,
        seats,
        licence_utilisation_ratio
    from latest_week

)

select * from final
