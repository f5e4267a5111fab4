{#-
    Every payment attempt on a customer's invoice - succeeded or failed, with the failure reason
    and the attempt's number in the retry sequence - with the invoice's collection status.
-#}

with

payments as (

    select * from {{ ref('stg_billing__payments') }}
    where not is_invalid

),

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}

),

final as (

    select
        -- ids
        payments.payment_id,
        payments.invoice_id,
        invoices.customer_id,
        payments.billing_customer_id,
        -- attributes
        payments.payment_status,
        payments.is_failed,
        payments.failure_code,
        payments.attempt_number,
        invoices.collection_status as invoice_collection_status,
        payments.currency_code,
        -- measures
        payments.amount,
        -- timestamps
        payments.attempted_at
    from payments
    inner join invoices on payments.invoice_id = invoices.invoice_id

)

select * from final
