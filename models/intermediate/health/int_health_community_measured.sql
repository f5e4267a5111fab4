{{ config(enabled=var('enable_community', true)) }}

{#-
    The community measure of the health score for every scored customer-day:
    community_engagement  posts written and community events attended by the customer's people
                          (community members tied to the customer) in the last 90 days, counted
                          from their first load. Customers with none have no row (0 in the score).
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

posts as (

    select * from {{ ref('stg_community__posts') }}
    where not is_invalid

),

attendance as (

    select * from {{ ref('stg_community__event_attendance') }}
    where not is_invalid and is_attended

),

post_first_loads as (

    {{ csops.first_loads('community', 'posts', 'id', 'post_id') }}

),

attendance_first_loads as (

    {{ csops.first_loads('community', 'event_attendance', 'id', 'attendance_id') }}

),

member_links as (

    {{ csops.customer_links('community', 'members', 'member_id') }}

),

actions as (

    select
        member_links.customer_id,
        posts.posted_at as acted_at,
        post_first_loads.first_loaded_at
    from posts
    inner join post_first_loads on posts.post_id = post_first_loads.post_id
    inner join member_links on posts.member_id = member_links.member_id
    union all
    select
        member_links.customer_id,
        cast(attendance.event_date as timestamp) as acted_at,
        attendance_first_loads.first_loaded_at
    from attendance
    inner join attendance_first_loads on attendance.attendance_id = attendance_first_loads.attendance_id
    inner join member_links on attendance.member_id = member_links.member_id

),

final as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        count(*) as community_engagement
    from customer_days
    inner join actions
        on
            customer_days.customer_id = actions.customer_id
            and customer_days.known_before_at > actions.first_loaded_at
            and customer_days.known_before_at > actions.acted_at
            and actions.acted_at >= cast({{ dbt.dateadd('day', -89, 'customer_days.scored_date') }} as timestamp)
    group by customer_days.customer_id, customer_days.scored_date

)

select * from final
