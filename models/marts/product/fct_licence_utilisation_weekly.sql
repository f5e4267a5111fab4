{#-
    Licence utilisation per customer per week: seats bought (on live subscription items at the
    week's end, trials included) against distinct active users over the 28 days to the week's
    end (the week and the three before it). Utilisation above 1 means more people use the
    product than the customer pays seats for - an expansion conversation, not an error.
-#}

with

user_weeks as (

    select * from {{ ref('int_product_users_active_weekly') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

weeks as (

    select date_week as week_start_date
    from (
        {{ csops.date_spine(
            'week',
            "(select min(week_start_date) from " ~ ref('int_product_users_active_weekly') ~ ")",
            "(select " ~ dbt.dateadd('day', 1, 'as_of_date') ~ " from " ~ ref('int_warehouse_as_of') ~ ")"
        ) }}
    ) as spine

),

seats as (

    select
        items.customer_id,
        weeks.week_start_date,
        cast(sum(items.quantity) as bigint) as seats
    from weeks
    inner join items
        on
            items.started_at < cast({{ dbt.dateadd('day', 7, 'weeks.week_start_date') }} as timestamp)
            and (
                items.ended_at is null
                or items.ended_at >= cast({{ dbt.dateadd('day', 7, 'weeks.week_start_date') }} as timestamp)
            )
    group by items.customer_id, weeks.week_start_date

),

trailing_users as (

    select
        user_weeks.customer_id,
        weeks.week_start_date,
        cast(sum(user_weeks.events) as bigint) as events_28d,
        count(distinct user_weeks.product_user_id) as active_users_28d
    from weeks
    inner join user_weeks
        on
            weeks.week_start_date >= user_weeks.week_start_date
            and user_weeks.week_start_date > cast({{ dbt.dateadd('day', -28, 'weeks.week_start_date') }} as date)
    group by user_weeks.customer_id, weeks.week_start_date

),

final as (

    select
        {{ csops.generate_surrogate_key(['coalesce(seats.customer_id, trailing_users.customer_id)',
            'coalesce(seats.week_start_date, trailing_users.week_start_date)']) }} as licence_week_id,
        coalesce(seats.customer_id, trailing_users.customer_id) as customer_id,
        coalesce(seats.week_start_date, trailing_users.week_start_date) as week_start_date,
        coalesce(seats.seats, 0) as seats,
        coalesce(trailing_users.active_users_28d, 0) as active_users_28d,
        coalesce(trailing_users.events_28d, 0) as events_28d,
        case
            when coalesce(seats.seats, 0) > 0 then coalesce(trailing_users.active_users_28d, 0) * 1.0 / seats.seats
        end as licence_utilisation_ratio
    from seats
    full outer join trailing_users
        on
            seats.customer_id = trailing_users.customer_id
            and seats.week_start_date = trailing_users.week_start_date
    cross join as_of
    where coalesce(seats.week_start_date, trailing_users.week_start_date) <= as_of.as_of_date

)

select * from final
