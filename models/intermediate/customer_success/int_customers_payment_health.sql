{#-
    Each paying customer's payment health today: open and overdue invoices, failed payment
    attempts over the last 90 days, and how long the oldest unpaid invoice has been in dunning
    (retrying a failed card). Amounts in the reporting currency at constant rates.
-#}

with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}
    where not is_invalid

),

payments as (

    select * from {{ ref('stg_billing__payments') }}
    where not is_invalid

),

rates as (

    select * from {{ ref('int_fx_rates_constant') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

open_invoices as (

    select
        billing_links.customer_id,
        invoices.invoice_id,
        invoices.created_at,
        (invoices.amount_due - invoices.amount_paid) / rates.units_per_reporting_unit as open_amount,
        cast(invoices.due_at as date) < as_of.as_of_date as is_overdue
    from invoices
    inner join billing_links on invoices.billing_customer_id = billing_links.billing_customer_id
    inner join rates on invoices.currency_code = rates.currency_code
    cross join as_of
    where invoices.invoice_status = 'open'

),

first_failures as (

    select
        invoice_id,
        min(attempted_at) as first_failed_at
    from payments
    where is_failed
    group by invoice_id

),

open_summary as (

    select
        open_invoices.customer_id,
        count(*) as open_invoices,
        sum(open_invoices.open_amount) as open_amount,
        count(case when open_invoices.is_overdue then 1 end) as overdue_invoices,
        sum(case when open_invoices.is_overdue then open_invoices.open_amount else 0 end) as overdue_amount,
        min(first_failures.first_failed_at) as dunning_started_at
    from open_invoices
    left join first_failures on open_invoices.invoice_id = first_failures.invoice_id
    group by open_invoices.customer_id

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
            else 'current'
        end as payment_status
    from customers
    cross join as_of
    left join open_summary on customers.customer_id = open_summary.customer_id
    left join recent_failures on customers.customer_id = recent_failures.customer_id

)

select * from final
