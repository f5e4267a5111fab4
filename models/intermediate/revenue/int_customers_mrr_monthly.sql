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

    What "paid service" means is the var mrr_recognition_basis:
      paid_invoices (default, ChartMogul): an item counts only while its subscription's service
        period is revenue - the period of a paid invoice, or of a still unpaid one (open,
        overdue, in dunning) once the subscription has paid an earlier invoice, or sent on
        payment terms (due after it was issued: an invoiced customer paying by bank transfer,
        whose first invoice is open for weeks). MRR starts when an invoice is paid (or sent on
        terms) and ends with the last paid (or still open) period; a period billing
        wrote off (uncollectible, void) is not revenue, so a customer who never paid has no MRR.
        A paused subscription bills nothing and has no invoice: it stays live (see
        mrr_paused_subscriptions).
      subscription_items: every item counts from the trial's end to its end, paid or not.
    Money is exact until the customer-month, then rounded once to the cent (csops.money_rounded).
-#}

{%- set basis = csops.checked_var('mrr_recognition_basis') -%}

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

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}
    where subscription_id is not null

),

first_paid_periods as (

    select
        subscription_id,
        min(period_started_at) as first_paid_period_started_at
    from invoices
    where collection_status = 'paid'
    group by subscription_id

),

-- the service periods that are revenue (mrr_recognition_basis = paid_invoices): paid, or still
-- being collected after an earlier paid period or on payment terms; never a written-off
-- (uncollectible, void) one
recognised_periods as (

    select
        invoices.subscription_id,
        invoices.period_started_at,
        invoices.period_ends_at
    from invoices
    left join first_paid_periods on invoices.subscription_id = first_paid_periods.subscription_id
    where
        invoices.collection_status = 'paid'
        or (
            invoices.collection_status in ('open', 'overdue', 'in_dunning')
            and (
                invoices.period_started_at > first_paid_periods.first_paid_period_started_at
                -- an invoice sent on payment terms (due after it was issued: paid by bank
                -- transfer, not charged to a card) is revenue while collected, even the first
                or invoices.due_at > invoices.created_at
            )
        )

),

item_month_spans as (

    select
        items.*,
        months.month_start_date,
        months.measured_at,
        pauses.subscription_pause_id is not null as is_paused_at_close,
        {% if basis == 'paid_invoices' %}
            -- a revenue period covers the close (an item paid until midnight of the 1st counts)
            exists(
                select 1 as is_found from recognised_periods as periods
                where
                    periods.subscription_id = items.subscription_id
                    and periods.period_started_at < months.measured_at
                    and periods.period_ends_at >= months.measured_at
            ) as is_recognised_at_close,
            -- a revenue period overlaps the item's paid service within the month
            exists(
                select 1 as is_found from recognised_periods as periods
                where
                    periods.subscription_id = items.subscription_id
                    and periods.period_started_at < least(
                        coalesce(items.paid_until_at, months.measured_at), months.measured_at
                    )
                    and periods.period_ends_at > greatest(
                        items.paid_from_at, cast(months.month_start_date as timestamp)
                    )
            ) as is_recognised_in_month
        {% else %}
            {# subscription_items: every item in paid service is revenue #}
            true as is_recognised_at_close,
            true as is_recognised_in_month
        {% endif %}
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

item_months as (

    select
        items.customer_id,
        items.month_start_date,
        -- in paid service at the close, and either revenue then or paused (a pause has no invoice)
        {{ csops.item_is_paid_at('items', 'items.measured_at') }}
        and (items.is_recognised_at_close or items.is_paused_at_close) as is_live_at_close,
        items.is_recognised_in_month,
        {% if csops.checked_var('mrr_paused_subscriptions') == 'zero' %}
            -- a paused subscription bills nothing: live, but no MRR while the pause covers the close
            case
                when items.is_paused_at_close then 0
                else {{ csops.item_mrr_at('items', 'items.measured_at') }}
            end as mrr_at_close_amount,
        {% else %}
            {# keep #}
            {{ csops.item_mrr_at('items', 'items.measured_at') }} as mrr_at_close_amount,
        {% endif %}
        -- what the item was worth when its paid service started (for items gone by the close),
        -- if any of its service in the month was revenue
        case
            when items.is_recognised_in_month
                then {{ csops.item_mrr_at('items', 'items.paid_from_at', side='just_after') }}
            else 0
        end as mrr_when_started_amount
    from item_month_spans as items

),

customer_month_totals as (

    select
        customer_id,
        month_start_date,
        -- some service in the month was revenue (always, with mrr_recognition_basis = subscription_items)
        max(case when is_recognised_in_month or is_live_at_close then 1 else 0 end) = 1 as has_revenue_service,
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
    -- a customer who never paid (only written-off periods) has no revenue history at all
    where has_revenue_service
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
