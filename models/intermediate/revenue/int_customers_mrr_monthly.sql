{{ config(materialized='table') }}

{#-
    MRR per customer per month, on a month spine: every customer has a row for every month from
    its first paid month to the as-of month, with zero where it paid nothing, so that churn,
    reactivation and retention can be read off consecutive months.

    mrr_amount is the MRR at the month's close (see int_revenue_months.measured_at): the items
    in paid service at that instant (trials excluded), each at its list MRR less the discount
    still running then. A discount that expires during the month is gone at its close, which is
    an expansion. paid_in_month_mrr_amount also counts items that were paid for only part of the
    month and had ended by its close (a customer who started and cancelled within the month).
-#}

with

months as (

    select * from {{ ref('int_revenue_months') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

pauses as (

    select * from {{ ref('stg_billing__subscription_pauses') }}
    where not is_invalid

),

item_months as (

    select
        items.customer_id,
        months.month_start_date,
        {{ csops.item_is_paid_at('items', 'months.measured_at') }} as is_live_at_close,
        {% if csops.checked_var('mrr_paused_subscriptions') == 'zero' %}
            -- a paused subscription bills nothing: live, but no MRR while the pause covers the close
            case
                when pauses.subscription_pause_id is not null then 0
                else {{ csops.item_mrr_at('items', 'months.measured_at') }}
            end as mrr_at_close_amount,
        {% else %}
            {# keep #}
            {{ csops.item_mrr_at('items', 'months.measured_at') }} as mrr_at_close_amount,
        {% endif %}
        -- what the item was worth when its paid service started (for items gone by the close)
        {{ csops.item_mrr_at('items', 'items.paid_from_at', side='just_after') }} as mrr_when_started_amount
    from items
    inner join months
        on
            items.paid_from_at < months.measured_at
            and (items.paid_until_at is null or items.paid_until_at > cast(months.month_start_date as timestamp))
    left join pauses
        on
            items.subscription_id = pauses.subscription_id
            and months.measured_at > pauses.paused_at
            and (pauses.resumes_at is null or months.measured_at <= pauses.resumes_at)
    where items.paid_until_at is null or items.paid_until_at > items.paid_from_at

),

customer_month_totals as (

    select
        customer_id,
        month_start_date,
        sum(case when is_live_at_close then mrr_at_close_amount else 0 end) as mrr_amount,
        sum(case when is_live_at_close then mrr_at_close_amount else mrr_when_started_amount end)
            as paid_in_month_mrr_amount,
        max(case when is_live_at_close then 1 else 0 end) = 1 as has_live_subscription
    from item_months
    group by customer_id, month_start_date

),

first_paid as (

    select
        customer_id,
        min(month_start_date) as first_paid_month
    from customer_month_totals
    group by customer_id

),

customer_months as (

    select
        first_paid.customer_id,
        first_paid.first_paid_month,
        months.month_start_date
    from first_paid
    inner join months on first_paid.first_paid_month <= months.month_start_date

),

final as (

    select
        {{ csops.generate_surrogate_key(['customer_months.customer_id', 'customer_months.month_start_date']) }}
            as customer_month_id,
        customer_months.customer_id,
        customer_months.month_start_date,
        customer_months.first_paid_month,
        coalesce(totals.has_live_subscription, false) as has_live_subscription,
        -- the one rounding of MRR to the cent: the customer-month (items are summed exactly)
        {{ csops.money_rounded('coalesce(totals.mrr_amount, 0)') }} as mrr_amount,
        {{ csops.money_rounded('coalesce(totals.paid_in_month_mrr_amount, 0)') }} as paid_in_month_mrr_amount,
        {{ dbt.datediff('customer_months.first_paid_month', 'customer_months.month_start_date', 'month') }}
            as months_since_first_paid
    from customer_months
    left join customer_month_totals as totals
        on
            customer_months.customer_id = totals.customer_id
            and customer_months.month_start_date = totals.month_start_date

)

select * from final
