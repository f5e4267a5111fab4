{#-
    Each paying customer's payment health today: open and overdue invoices, failed payment
    attempts over the last 90 days, how long the oldest unpaid invoice has been in dunning
    (retrying a failed card), and whether billing wrote off the customer's latest invoice.
    Amounts in the reporting currency at constant rates. What an invoice's collection status is
    lives in int_invoices_collection_tracked.
-#}

with

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}

),

payments as (

    select * from {{ ref('stg_billing__payments') }}
    where not is_invalid

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

open_summary as (

    select
        invoices.customer_id,
        count(*) as open_invoices,
        sum(invoices.amount_unpaid_reporting) as open_amount,
        -- past its due date: int_invoices_collection_tracked decides (days_overdue)
        count(case when invoices.days_overdue is not null then 1 end) as overdue_invoices,
        sum(case when invoices.days_overdue is not null then invoices.amount_unpaid_reporting else 0 end)
            as overdue_amount,
        min(invoices.first_failed_at) as dunning_started_at
    from invoices
    where invoices.invoice_status = 'open'
    group by invoices.customer_id

),

latest_invoice as (

    {{ csops.deduplicate('invoices', partition_by='customer_id', order_by='created_at desc, invoice_id desc') }}

),

recent_failures as (

    select
        billing_links.customer_id,
        count(*) as failed_payments_90d
    from payments
    inner join billing_links on payments.billing_customer_id = billing_links.billing_customer_id
    cross join as_of
    where
        payments.is_failed
        and cast(payments.attempted_at as date) > cast({{ dbt.dateadd('day', -90, 'as_of.as_of_date') }} as date)
    group by billing_links.customer_id

),

customers as (

    select customer_id from open_summary
    union
    select customer_id from recent_failures
    union
    select distinct customer_id from billing_links

),

final as (

    select
        customers.customer_id,
        cast(coalesce(open_summary.open_amount, 0) as decimal(18, 2)) as open_amount,
        cast(coalesce(open_summary.overdue_amount, 0) as decimal(18, 2)) as overdue_amount,
        open_summary.dunning_started_at,
        coalesce(open_summary.open_invoices, 0) as open_invoices,
        coalesce(open_summary.overdue_invoices, 0) as overdue_invoices,
        coalesce(recent_failures.failed_payments_90d, 0) as failed_payments_90d,
        case
            when open_summary.dunning_started_at is not null
                then {{ dbt.datediff('cast(open_summary.dunning_started_at as date)', 'as_of.as_of_date', 'day') }}
        end as days_in_dunning,
        case
            when open_summary.dunning_started_at is not null then 'in_dunning'
            when coalesce(open_summary.overdue_invoices, 0) > 0 then 'overdue'
            when coalesce(open_summary.open_invoices, 0) > 0 then 'open_invoice'
            when latest_invoice.invoice_status = 'uncollectible' then 'written_off'
            else 'current'
        end as payment_status
    from customers
    cross join as_of
    left join open_summary on customers.customer_id = open_summary.customer_id
    left join latest_invoice on customers.customer_id = latest_invoice.customer_id
    left join recent_failures on customers.customer_id = recent_failures.customer_id

)

select * from final
