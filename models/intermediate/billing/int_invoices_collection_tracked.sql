{#-
    Every valid invoice of a real customer with how its collection went, as of the warehouse's
    as-of day: the payment attempts (failed and succeeded), when it was paid, and a collection
    status a CS leader can read:
      paid           settled;
      uncollectible  billing gave up after its retries (written off; for a card customer this
                     ends the subscription - involuntary churn);
      in_dunning     unpaid, and at least one attempt to charge it failed (retries running);
      overdue        unpaid and past its due date, no failed attempt (an invoice waiting for a
                     bank transfer);
      open           unpaid and not yet due.
    Amounts in the invoice's currency and in the reporting currency at constant rates.
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

attempts as (

    select
        invoice_id,
        count(*) as payment_attempts,
        count(case when is_failed then 1 end) as failed_attempts,
        min(case when is_failed then attempted_at end) as first_failed_at,
        max(attempted_at) as last_attempted_at,
        min(case when not is_failed then attempted_at end) as paid_at
    from payments
    group by invoice_id

),

final as (

    select
        invoices.invoice_id,
        billing_links.customer_id,
        invoices.billing_customer_id,
        invoices.subscription_id,
        invoices.invoice_status,
        case
            when invoices.invoice_status = 'paid' then 'paid'
            when invoices.invoice_status in ('uncollectible', 'void') then invoices.invoice_status
            when coalesce(attempts.failed_attempts, 0) > 0 then 'in_dunning'
            when cast(invoices.due_at as date) < as_of.as_of_date then 'overdue'
            else 'open'
        end as collection_status,
        invoices.currency_code,
        invoices.amount_due,
        invoices.amount_paid,
        invoices.amount_due - invoices.amount_paid as amount_unpaid,
        cast(invoices.amount_due / rates.units_per_reporting_unit as decimal(18, 2)) as amount_due_reporting,
        cast(
            (invoices.amount_due - invoices.amount_paid) / rates.units_per_reporting_unit as decimal(18, 2)
        ) as amount_unpaid_reporting,
        coalesce(attempts.payment_attempts, 0) as payment_attempts,
        coalesce(attempts.failed_attempts, 0) as failed_attempts,
        case
            when invoices.invoice_status not in ('paid', 'void')
                and cast(invoices.due_at as date) < as_of.as_of_date
                then {{ dbt.datediff('cast(invoices.due_at as date)', 'as_of.as_of_date', 'day') }}
        end as days_overdue,
        invoices.created_at,
        invoices.due_at,
        invoices.period_started_at,
        invoices.period_ends_at,
        attempts.first_failed_at,
        attempts.last_attempted_at,
        attempts.paid_at
    from invoices
    inner join billing_links on invoices.billing_customer_id = billing_links.billing_customer_id
    inner join rates on invoices.currency_code = rates.currency_code
    cross join as_of
    left join attempts on invoices.invoice_id = attempts.invoice_id

)

select * from final
