{#-
    Each CSM's book of business today: one row per owner - every CRM user who owns a customer
    account or a CS action, and the digital CS pool - with the customers they own in the CRM
    (customers with ARR today or a live health day), their ARR, the ARR at risk (customers whose
    latest signal day says is_renewal_at_risk, the signal table's swappable risk rule), the
    renewals due in the next 120 days, and the CS actions assigned to them that are open (open or
    overdue) and overdue (fct_cs_actions: owned by the CSM the action was raised for).
-#}

with

crm as (

    select * from {{ ref('int_customers_crm_summarised') }}
    where not is_test_account

),

revenue as (

    select * from {{ ref('int_customers_revenue_summarised') }}

),

renewals as (

    select * from {{ ref('int_customers_renewals_summarised') }}

),

signals as (

    select * from {{ ref('int_cs_signals_daily') }}

),

actions as (

    select * from {{ ref('fct_cs_actions') }}
    where action_status in ('open', 'overdue')

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

latest_signals as (

    select
        customer_id,
        is_renewal_at_risk
    from (
        select
            customer_id,
            is_renewal_at_risk,
            row_number() over (partition by customer_id order by signal_date desc) as recency_rank
        from signals
    ) as ranked
    where recency_rank = 1

),

customers as (

    select
        coalesce(crm.owner_user_id, 'digital_cs_pool') as owner_id,
        crm.customer_id,
        coalesce(revenue.arr_amount, 0) as arr_amount,
        coalesce(latest_signals.is_renewal_at_risk, false) as is_renewal_at_risk,
        coalesce(
            renewals.next_renewal_date >= as_of.as_of_date
            and renewals.next_renewal_date < cast({{ dbt.dateadd('day', 120, 'as_of.as_of_date') }} as date),
            false
        ) as is_renewing_in_120d
    from crm
    cross join as_of
    left join revenue on crm.customer_id = revenue.customer_id
    left join renewals on crm.customer_id = renewals.customer_id
    left join latest_signals on crm.customer_id = latest_signals.customer_id
    where coalesce(revenue.arr_amount, 0) > 0 or latest_signals.customer_id is not null

),

books as (

    select
        owner_id,
        count(*) as customers,
        sum(arr_amount) as arr_amount,
        sum(case when is_renewal_at_risk then arr_amount else 0 end) as arr_at_risk_amount,
        cast(sum(case when is_renewing_in_120d then 1 else 0 end) as bigint) as renewals_next_120d,
        sum(case when is_renewing_in_120d then arr_amount else 0 end) as renewals_next_120d_arr_amount
    from customers
    group by owner_id

),

action_counts as (

    select
        owner_id,
        count(*) as open_cs_actions,
        cast(sum(case when action_status = 'overdue' then 1 else 0 end) as bigint) as overdue_cs_actions
    from actions
    group by owner_id

),

owners as (

    select owner_id from books
    union
    select owner_id from action_counts

),

final as (

    select
        owners.owner_id,
        case when owners.owner_id = 'digital_cs_pool' then 'Digital CS pool' else users.full_name end as owner_name,
        case when owners.owner_id = 'digital_cs_pool' then 'digital_cs_pool' else users.user_role end as owner_role,
        coalesce(books.customers, 0) as customers,
        cast(coalesce(books.arr_amount, 0) as decimal(18, 2)) as arr_amount,
        cast(coalesce(books.arr_at_risk_amount, 0) as decimal(18, 2)) as arr_at_risk_amount,
        coalesce(books.renewals_next_120d, 0) as renewals_next_120d,
        cast(coalesce(books.renewals_next_120d_arr_amount, 0) as decimal(18, 2)) as renewals_next_120d_arr_amount,
        coalesce(action_counts.open_cs_actions, 0) as open_cs_actions,
        coalesce(action_counts.overdue_cs_actions, 0) as overdue_cs_actions
    from owners
    left join books on owners.owner_id = books.owner_id
    left join action_counts on owners.owner_id = action_counts.owner_id
    left join users on owners.owner_id = users.user_id

)

select * from final
