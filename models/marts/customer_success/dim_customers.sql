{#-
    The customer 360: one row per customer that has ever had a subscription (trials included),
    today's picture from every system. Internal test accounts are left out. Identity resolution
    (int_customers_identity_resolved) decides which records belong to whom; the health score,
    journey stage and churn risk join here when those models land.
-#}

with

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

links as (

    select * from {{ ref('int_customers_identity_resolved') }}
    where is_resolved and not is_test_account

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

customer_months as (

    select * from {{ ref('int_customers_mrr_monthly') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

payment_health as (

    select * from {{ ref('int_customers_payment_health') }}

),

licences as (

    select * from {{ ref('fct_licence_utilisation_weekly') }}

),

user_weeks as (

    select * from {{ ref('int_product_users_active_weekly') }}

),

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

csat as (

    select * from {{ ref('stg_surveys__csat_responses') }}
    where not is_invalid

),

nps as (

    select * from {{ ref('fct_nps_responses') }}

),

as_of as (

    select max(as_of_date) as as_of_date from {{ ref('int_revenue_months') }}

),

-- customers: every canonical account with a billing customer
billing_links as (

    select
        links.customer_id,
        links.customer_account_id,
        subscriptions.subscription_id,
        subscriptions.billing_customer_id,
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.subscription_status
    from links
    inner join subscriptions on links.source_id = subscriptions.billing_customer_id
    where links.source_system = 'billing' and links.source_table = 'customers'

),

customer_base as (

    select
        customer_id,
        max(customer_account_id) as customer_account_id,
        min(created_at) as first_subscription_at,
        min(started_at) as first_paid_at,
        max(case when subscription_status = 'trialing' then 1 else 0 end) = 1 as is_trialing,
        max(case when subscription_status = 'paused' then 1 else 0 end) = 1 as is_paused,
        count(distinct billing_customer_id) as billing_customers
    from billing_links
    group by customer_id

),

primary_billing_customer as (

    {{ csops.deduplicate(
        'billing_links', partition_by='customer_id', order_by='created_at desc, billing_customer_id'
    ) }}

),

subsidiaries as (

    select
        customer_account_id,
        count(*) as subsidiary_accounts
    from unified
    where hierarchy_depth > 0
    group by customer_account_id

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

last_churn as (

    select
        customer_id,
        max(month_start_date) as last_churn_month
    from movements
    where movement_type = 'churn'
    group by customer_id

),

next_renewal as (

    {{ csops.deduplicate(
        "(select * from " ~ ref('fct_renewals') ~ " where not is_past)",
        partition_by='customer_id',
        order_by='renewal_date asc, renewal_id'
    ) }}

),

latest_licences as (

    {{ csops.deduplicate('licences', partition_by='customer_id', order_by='week_start_date desc') }}

),

usage_30d as (

    select
        user_weeks.customer_id,
        cast(sum(user_weeks.events) as bigint) as events_last_4_weeks,
        count(distinct user_weeks.product_user_id) as active_users_last_4_weeks,
        max(user_weeks.last_active_date) as last_active_date
    from user_weeks
    cross join as_of
    where user_weeks.week_start_date > cast({{ dbt.dateadd('day', -28, 'as_of.as_of_date') }} as date)
    group by user_weeks.customer_id

),

last_activity as (

    select
        customer_id,
        max(last_active_date) as last_active_date
    from user_weeks
    group by customer_id

),

support_90d as (

    select
        tickets.customer_id,
        count(case when not tickets.is_solved then 1 end) as open_tickets,
        count(
            case
                when tickets.created_at >= cast({{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} as timestamp) then 1
            end
        ) as tickets_90d,
        count(
            case
                when tickets.created_at >= cast({{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} as timestamp)
                    and (tickets.is_first_response_breached or tickets.is_resolution_breached)
                    then 1
            end
        ) as sla_breaches_90d
    from tickets
    cross join as_of
    group by tickets.customer_id

),

csat_90d as (

    select
        tickets.customer_id,
        count(*) as csat_responses_90d,
        avg(case when csat.is_satisfied then 1.0 else 0.0 end) as csat_90d_ratio
    from csat
    inner join tickets on csat.ticket_id = tickets.ticket_id
    cross join as_of
    where csat.submitted_at >= cast({{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} as timestamp)
    group by tickets.customer_id

),

latest_nps as (

    {{ csops.deduplicate('nps', partition_by='customer_id', order_by='submitted_at desc, nps_response_id') }}

),

nps_90d as (

    select
        nps.customer_id,
        count(*) as nps_responses_90d,
        100.0 * (count(case when nps.is_promoter then 1 end) - count(case when nps.is_detractor then 1 end))
        / count(*) as nps_90d
    from nps
    cross join as_of
    where nps.submitted_at >= cast({{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} as timestamp)
    group by nps.customer_id

),

final as (

    select
        -- ids
        customer_base.customer_id,
        customer_base.customer_account_id as crm_account_id,
        primary_billing_customer.billing_customer_id,
        accounts.owner_user_id,
        -- attributes
        accounts.account_name as customer_name,
        accounts.website_domain,
        accounts.segment,
        accounts.industry,
        accounts.employee_count,
        accounts.billing_country_code,
        accounts.currency_code,
        owners.full_name as owner_name,
        owners.user_role as owner_role,
        coalesce(subsidiaries.subsidiary_accounts, 0) as subsidiary_accounts,
        customer_base.billing_customers,
        case
            when coalesce(current_revenue.mrr_amount, 0) > 0 then 'paying'
            when customer_base.is_paused then 'paused'
            when current_revenue.has_live_subscription then 'active_free'
            when customer_base.is_trialing then 'trialing'
            when customer_base.first_paid_at is null then 'trial_not_converted'
            else 'churned'
        end as lifecycle_status,
        payment_health.payment_status,
        -- measures
        cast(coalesce(current_revenue.mrr_amount, 0) as decimal(18, 2)) as mrr_amount,
        cast(coalesce(current_revenue.mrr_amount, 0) * 12 as decimal(18, 2)) as arr_amount,
        next_renewal.arr_up_for_renewal_amount as next_renewal_arr_amount,
        next_renewal.days_to_renewal,
        coalesce(payment_health.open_invoices, 0) as open_invoices,
        coalesce(payment_health.overdue_amount, 0) as overdue_amount,
        coalesce(payment_health.failed_payments_90d, 0) as failed_payments_90d,
        payment_health.days_in_dunning,
        coalesce(latest_licences.seats, 0) as seats,
        coalesce(usage_30d.active_users_last_4_weeks, 0) as active_users_28d,
        latest_licences.licence_utilisation_ratio,
        coalesce(usage_30d.events_last_4_weeks, 0) as events_28d,
        coalesce(support_90d.open_tickets, 0) as open_tickets,
        coalesce(support_90d.tickets_90d, 0) as tickets_90d,
        coalesce(support_90d.sla_breaches_90d, 0) as sla_breaches_90d,
        csat_90d.csat_90d_ratio,
        latest_nps.nps_score as latest_nps_score,
        latest_nps.nps_category as latest_nps_category,
        nps_90d.nps_90d,
        -- dates
        cast(customer_base.first_subscription_at as date) as first_contract_date,
        cast(customer_base.first_paid_at as date) as customer_since_date,
        case
            when coalesce(current_revenue.mrr_amount, 0) = 0 and customer_base.first_paid_at is not null
                and not coalesce(current_revenue.has_live_subscription, false)
                then last_churn.last_churn_month
        end as churned_month,
        next_renewal.renewal_date as next_renewal_date,
        last_activity.last_active_date,
        cast(latest_nps.submitted_at as date) as latest_nps_date
    from customer_base
    inner join accounts on customer_base.customer_account_id = accounts.account_id
    left join users as owners on accounts.owner_user_id = owners.user_id
    left join primary_billing_customer on customer_base.customer_id = primary_billing_customer.customer_id
    left join subsidiaries on customer_base.customer_account_id = subsidiaries.customer_account_id
    left join current_revenue on customer_base.customer_id = current_revenue.customer_id
    left join last_churn on customer_base.customer_id = last_churn.customer_id
    left join next_renewal on customer_base.customer_id = next_renewal.customer_id
    left join payment_health on customer_base.customer_id = payment_health.customer_id
    left join latest_licences on customer_base.customer_id = latest_licences.customer_id
    left join usage_30d on customer_base.customer_id = usage_30d.customer_id
    left join last_activity on customer_base.customer_id = last_activity.customer_id
    left join support_90d on customer_base.customer_id = support_90d.customer_id
    left join csat_90d on customer_base.customer_id = csat_90d.customer_id
    left join latest_nps on customer_base.customer_id = latest_nps.customer_id
    left join nps_90d on customer_base.customer_id = nps_90d.customer_id
    where not accounts.is_test_account

)

select * from final
