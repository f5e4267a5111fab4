{#-
    Every invoice of a customer and how its collection went: for finance and for the CSM who
    needs to know that an account is in dunning, overdue, or was written off.
-#}

with

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}

),

final as (

    select
        -- ids
        invoice_id,
        customer_id,
        billing_customer_id,
        subscription_id,
        -- attributes
        invoice_status,
        collection_status,
        currency_code,
        -- measures
        amount_due,
        amount_paid,
        amount_unpaid,
        amount_due_reporting,
        amount_unpaid_reporting,
        payment_attempts,
        failed_attempts,
        days_overdue,
        -- timestamps
        created_at,
        due_at,
        period_started_at,
        period_ends_at,
        first_failed_at,
        last_attempted_at,
        paid_at
    from invoices

)

select * from final
