{#-
    The CS actions of each customer today (fct_cs_actions): one row per customer with at least one
    action the plays created (suppressed candidates are not actions): how many are open (open or
    overdue), how many of those are overdue, and the latest one created - its play, status and
    day. For dim_customers (a customer without a row has had no action).
-#}

with

actions as (

    select * from {{ ref('fct_cs_actions') }}
    where action_status != 'suppressed'

),

ranked as (

    select
        actions.*,
        row_number() over (
            partition by actions.customer_id
            order by actions.created_date desc, actions.priority asc, actions.play_id asc
        ) as recency_rank
    from actions

),

counted as (

    select
        customer_id,
        count(*) as cs_actions,
        cast(sum(case when action_status in ('open', 'overdue') then 1 else 0 end) as bigint) as open_cs_actions,
        cast(sum(case when action_status = 'overdue' then 1 else 0 end) as bigint) as overdue_cs_actions
    from actions
    group by customer_id

),

final as (

    select
        counted.customer_id,
        counted.cs_actions,
        counted.open_cs_actions,
        counted.overdue_cs_actions,
        ranked.cs_action_id as latest_cs_action_id,
        ranked.play_id as latest_cs_action_play_id,
        ranked.action_status as latest_cs_action_status,
        ranked.created_date as latest_cs_action_date
    from counted
    inner join ranked on counted.customer_id = ranked.customer_id and ranked.recency_rank = 1

)

select * from final
