{#-
    Every subscription of a real customer that has ended, and why: involuntary when billing
    ended it because it could not collect (an invoice of the subscription is uncollectible - the
    card kept failing through every retry), voluntary otherwise (the customer cancelled, or did
    not renew). The MRR bridge uses it to type each churn: a churn in the month billing ended a
    subscription for not paying, or in the month its first written-off period started (where
    revenue ends when only paid periods count), is involuntary.
-#}

with

subscriptions as (

    select * from {{ ref('int_subscriptions_current_terms') }}
    where ended_at is not null

),

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

written_off as (

    select
        subscription_id,
        min(period_started_at) as written_off_from_at
    from invoices
    where collection_status = 'uncollectible'
    group by subscription_id

),

final as (

    select
        subscriptions.subscription_id,
        billing_links.customer_id,
        case when written_off.subscription_id is not null then 'involuntary' else 'voluntary' end as end_type,
        cast({{ dbt.date_trunc('month', 'subscriptions.ended_at') }} as date) as ended_month_start_date,
        -- the month the first written-off service period started: with mrr_recognition_basis =
        -- paid_invoices revenue ends there, so an involuntary churn can be booked that month
        cast({{ dbt.date_trunc('month', 'written_off.written_off_from_at') }} as date) as written_off_month_start_date,
        subscriptions.canceled_at,
        subscriptions.ended_at
    from subscriptions
    inner join billing_links on subscriptions.billing_customer_id = billing_links.billing_customer_id
    left join written_off on subscriptions.subscription_id = written_off.subscription_id

)

select * from final
