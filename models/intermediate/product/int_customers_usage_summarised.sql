{#-
    Product usage per customer today: events and distinct active users over the last 28 days
    (the four weeks up to the as-of day's week) and the last day anyone was active.
-#}

with

user_weeks as (

    select * from {{ ref('int_product_users_active_weekly') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

last_28_days as (

    select
        user_weeks.customer_id,
        cast(sum(user_weeks.events) as bigint) as events_28d,
        count(distinct user_weeks.product_user_id) as active_users_28d
    from user_weeks
    cross join as_of
    where user_weeks.week_start_date > cast({{ dbt.dateadd('day', -28, 'as_of.as_of_date') }} as date)
    group by user_weeks.customer_id

),

all_time as (

    select
        customer_id,
        max(last_active_date) as last_active_date
    from user_weeks
    group by customer_id

),

final as (

    select
        all_time.customer_id,
        coalesce(last_28_days.events_28d, 0) as events_28d,
        coalesce(last_28_days.active_users_28d, 0) as active_users_28d,
        all_time.last_active_date
    from all_time
    left join last_28_days on all_time.customer_id = last_28_days.customer_id

)

select * from final
