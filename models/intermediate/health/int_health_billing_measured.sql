{#-
    The payment measures of the health score for every scored customer-day, from billing as loaded
    by the end of the day:
    payment_failure_rate  failed payment attempts per invoice created over the customer's payment
                          window: the last 90 days, or the billing interval when it is longer (a
                          yearly plan: 12 months of 31 days), so an annual customer's one invoice a
                          year is judged all year instead of being missing nine months in twelve
                          (0 when nothing failed; null when no invoice was created in the window)
    payment_days_overdue  days the oldest invoice still open that day (its version known then) is
                          past its due date; 0 when none is. A card charge that failed leaves its
                          invoice open after its due date too, so dunning shows here as well.
-#}

with

customer_days as (

    select
        *,
        -- the payment window: 90 days, or the billing interval (31 days a month) when longer
        cast({{ dbt.dateadd(
            'day',
            '-1 * greatest(89, coalesce(billing_interval_months, 0) * 31 - 1)',
            'scored_date',
        ) }} as timestamp) as payment_window_start_at
    from {{ ref('int_health_customer_days') }}

),

invoice_versions as (

    select * from {{ ref('stg_billing__invoices_history') }}
    where not is_invalid

),

payments as (

    select * from {{ ref('stg_billing__payments') }}
    where not is_invalid

),

payment_first_loads as (

    {{ csops.first_loads('billing', 'payments', 'id', 'payment_id') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

invoices_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        sum(case
            when invoice_versions.created_at >= customer_days.payment_window_start_at
                then 1
            else 0
        end) as invoices_in_window,
        max(case
            when invoice_versions.invoice_status = 'open' and invoice_versions.due_at < customer_days.known_before_at
                then {{ dbt.datediff('cast(invoice_versions.due_at as date)', 'customer_days.scored_date', 'day') }}
            else 0
        end) as payment_days_overdue
    from customer_days
    inner join billing_links on customer_days.customer_id = billing_links.customer_id
    inner join invoice_versions
        on
            billing_links.billing_customer_id = invoice_versions.billing_customer_id
            and {{ csops.known_by('customer_days.known_before_at', 'invoice_versions') }}
    group by customer_days.customer_id, customer_days.scored_date

),

failures_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        count(*) as failed_payments_in_window
    from customer_days
    inner join billing_links on customer_days.customer_id = billing_links.customer_id
    inner join payments on billing_links.billing_customer_id = payments.billing_customer_id
    inner join payment_first_loads on payments.payment_id = payment_first_loads.payment_id
    where
        payments.is_failed
        and payment_first_loads.first_loaded_at < customer_days.known_before_at
        and payments.attempted_at >= customer_days.payment_window_start_at
    group by customer_days.customer_id, customer_days.scored_date

),

final as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        coalesce(failures_known.failed_payments_in_window, 0) as failed_payments_in_window,
        case
            when invoices_known.invoices_in_window > 0
                then coalesce(failures_known.failed_payments_in_window, 0) * 1.0 / invoices_known.invoices_in_window
        end as payment_failure_rate,
        coalesce(invoices_known.payment_days_overdue, 0) as payment_days_overdue
    from customer_days
    left join invoices_known
        on
            customer_days.customer_id = invoices_known.customer_id
            and customer_days.scored_date = invoices_known.scored_date
    left join failures_known
        on
            customer_days.customer_id = failures_known.customer_id
            and customer_days.scored_date = failures_known.scored_date

)

select * from final
