{#-
    Billing and revenue per customer today: one row per customer that has ever had a
    subscription (trials included) - when they first subscribed and first paid, their billing
    customers, their MRR at the as-of month's close, the lifecycle status that follows from it,
    the month and type of their last churn (fct_mrr_movements owns what churn is), and whether a
    cancellation is already scheduled. A customer who subscribed but never paid (every invoice
    written off) has no churn movement - it was never revenue - but is still lost: its churn month
    and type are those of the subscription billing ended (int_subscriptions_endings_typed). The customer 360 takes its customer list from here.
-#}

with

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_current_terms') }}

),

customer_months as (

    select * from {{ ref('int_customers_mrr_monthly') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

customer_subscriptions as (

    select
        billing_links.customer_id,
        billing_links.customer_account_id,
        subscriptions.subscription_id,
        subscriptions.billing_customer_id,
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.subscription_status,
        subscriptions.is_cancel_at_period_end,
        subscriptions.canceled_at,
        subscriptions.ended_at,
        subscriptions.is_invalid
    from billing_links
    inner join subscriptions on billing_links.billing_customer_id = subscriptions.billing_customer_id

),

customer_base as (

    select
        customer_id,
        max(customer_account_id) as customer_account_id,
        -- an invalid subscription (e.g. started after the export that holds it) never dates the customer
        min(case when not is_invalid then created_at end) as first_subscription_at,
        -- a trial's started_at is the day paid service is scheduled to start: not paid yet
        min(case when not is_invalid and subscription_status != 'trialing' then started_at end) as first_paid_at,
        max(case when subscription_status = 'trialing' then 1 else 0 end) = 1 as is_trialing,
        max(case when subscription_status = 'paused' then 1 else 0 end) = 1 as is_paused,
        count(distinct billing_customer_id) as billing_customers
    from customer_subscriptions
    group by customer_id

),

primary_billing_customer as (

    {{ csops.deduplicate(
        'customer_subscriptions', partition_by='customer_id', order_by='created_at desc, billing_customer_id'
    ) }}

),

current_revenue as (

    select
        customer_months.customer_id,
        customer_months.mrr_amount,
        customer_months.has_live_subscription
    from customer_months
    inner join
        as_of
        on customer_months.month_start_date = cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date)

),

-- the latest subscription billing ended: dates and types the loss of a customer who subscribed
-- but never paid (mrr_recognition_basis = paid_invoices: no revenue, so no churn movement)
last_ending as (

    {{ csops.deduplicate(
        ref('int_subscriptions_endings_typed'),
        partition_by='customer_id',
        order_by='ended_at desc, subscription_id'
    ) }}

),

last_churn as (

    {{ csops.deduplicate(
        "(select * from " ~ ref('fct_mrr_movements') ~ " where movement_type = 'churn')",
        partition_by='customer_id',
        order_by='month_start_date desc'
    ) }}

),

-- live subscriptions the customer asked to end at the end of the paid period
cancel_requests as (

    select
        customer_id,
        max(canceled_at) as canceled_at
    from customer_subscriptions
    where is_cancel_at_period_end and ended_at is null
    group by customer_id

),

final as (

    select
        customer_base.customer_id,
        customer_base.customer_account_id,
        primary_billing_customer.billing_customer_id,
        customer_base.billing_customers,
        case
            when coalesce(current_revenue.mrr_amount, 0) > 0 then 'paying'
            when customer_base.is_paused then 'paused'
            when current_revenue.has_live_subscription then 'active_free'
            when customer_base.is_trialing then 'trialing'
            when customer_base.first_paid_at is null then 'trial_not_converted'
            else 'churned'
        end as lifecycle_status,
        cast(coalesce(current_revenue.mrr_amount, 0) as decimal(18, 2)) as mrr_amount,
        cast(coalesce(current_revenue.mrr_amount, 0) * 12 as decimal(18, 2)) as arr_amount,
        customer_base.first_subscription_at,
        customer_base.first_paid_at,
        case
            when coalesce(current_revenue.mrr_amount, 0) = 0 and customer_base.first_paid_at is not null
                and not coalesce(current_revenue.has_live_subscription, false)
                then coalesce(last_churn.month_start_date, last_ending.ended_month_start_date)
        end as churned_month,
        case
            when coalesce(current_revenue.mrr_amount, 0) = 0 and customer_base.first_paid_at is not null
                and not coalesce(current_revenue.has_live_subscription, false)
                then coalesce(last_churn.churn_type, last_ending.end_type)
        end as churn_type,
        cancel_requests.customer_id is not null as is_cancel_scheduled,
        cancel_requests.canceled_at
    from customer_base
    left join primary_billing_customer on customer_base.customer_id = primary_billing_customer.customer_id
    left join current_revenue on customer_base.customer_id = current_revenue.customer_id
    left join last_churn on customer_base.customer_id = last_churn.customer_id
    left join last_ending on customer_base.customer_id = last_ending.customer_id
    left join cancel_requests on customer_base.customer_id = cancel_requests.customer_id

)

select * from final
