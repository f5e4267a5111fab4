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

    Currency conversion is the var reporting_fx_method:
      constant_currency (default): every month at the constant rates of one day
        (int_subscription_items_priced.list_mrr_amount); mrr_at_opening_rates_amount = mrr_amount.
      period_start: each service period at the rate of its start (the latest rate on or before
        it, int_fx_rates_daily): the start of the subscription's invoice period covering the
        close, or the item's paid start before its first invoice. mrr_at_opening_rates_amount is
        the same items valued at the rates of the service periods that covered the previous close
        (the current ones for a subscription with no invoice period then), so fx_impact_mrr_amount
        = mrr_amount - mrr_at_opening_rates_amount is what currency alone changed, and the bridge
        (fct_mrr_movements) books it apart from the customer's own movements.
-#}

{%- set basis = csops.checked_var('mrr_recognition_basis') -%}
{%- set fx_method = csops.checked_var('reporting_fx_method') -%}
-- depends_on: {{ ref('int_fx_rates_daily') }}

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

{% if fx_method == 'period_start' %}
-- each subscription's service periods (invoice periods, any status), with the next one's start
period_starts as (

    select
        subscription_id,
        period_started_at,
        lead(period_started_at) over (partition by subscription_id order by period_started_at)
            as next_period_started_at
    from (select distinct subscription_id, period_started_at from invoices) as distinct_periods

),

rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),
{% endif %}

-- the service periods that are revenue (mrr_recognition_basis = paid_invoices): paid, or still
-- being collected after an earlier paid period or on payment terms; never a written-off
-- (uncollectible, void) one
recognised_periods as (

    {{ csops.recognised_service_periods('invoices') }}

),

item_month_spans as (

    select
        items.*,
        {% if fx_method == 'period_start' %}
            -- the item's list MRR at the rate of the service period covering the close, and at the
            -- rate of the one that covered the previous close (the current one if there was none)
            {{ csops.money_exact('items.list_mrr_billing_amount / period_rates.units_per_reporting_unit') }}
                as period_list_mrr_amount,
            {{ csops.money_exact(
                'items.list_mrr_billing_amount / coalesce(opening_rates.units_per_reporting_unit, '
                ~ 'period_rates.units_per_reporting_unit)'
            ) }} as opening_list_mrr_amount,
        {% else %}
            {# constant_currency: one rate for every month #}
            items.list_mrr_amount as period_list_mrr_amount,
            items.list_mrr_amount as opening_list_mrr_amount,
        {% endif %}
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
    {% if fx_method == 'period_start' %}
        left join period_starts as close_period
            on
                items.subscription_id = close_period.subscription_id
                and close_period.period_started_at < months.measured_at
                and (
                    close_period.next_period_started_at is null
                    or close_period.next_period_started_at >= months.measured_at
                )
        left join period_starts as opening_period
            on
                items.subscription_id = opening_period.subscription_id
                and opening_period.period_started_at < cast(months.month_start_date as timestamp)
                and (
                    opening_period.next_period_started_at is null
                    or opening_period.next_period_started_at >= cast(months.month_start_date as timestamp)
                )
        left join rates as period_rates
            on
                items.currency_code = period_rates.currency_code
                and (
                    period_rates.rate_date is null
                    or (
                        period_rates.rate_date
                        <= cast(coalesce(close_period.period_started_at, items.paid_from_at) as date)
                        and (
                            period_rates.next_rate_date is null
                            or period_rates.next_rate_date
                            > cast(coalesce(close_period.period_started_at, items.paid_from_at) as date)
                        )
                    )
                )
        left join rates as opening_rates
            on
                opening_period.period_started_at is not null
                and items.currency_code = opening_rates.currency_code
                and (
                    opening_rates.rate_date is null
                    or (
                        opening_rates.rate_date <= cast(opening_period.period_started_at as date)
                        and (
                            opening_rates.next_rate_date is null
                            or opening_rates.next_rate_date > cast(opening_period.period_started_at as date)
                        )
                    )
                )
    {% endif %}
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
                else {{ csops.item_mrr_at('items', 'items.measured_at', list_mrr='period_list_mrr_amount') }}
            end as mrr_at_close_amount,
            case
                when items.is_paused_at_close then 0
                else {{ csops.item_mrr_at('items', 'items.measured_at', list_mrr='opening_list_mrr_amount') }}
            end as mrr_at_opening_rates_amount,
        {% else %}
            {# keep #}
            {{ csops.item_mrr_at('items', 'items.measured_at', list_mrr='period_list_mrr_amount') }}
                as mrr_at_close_amount,
            {{ csops.item_mrr_at('items', 'items.measured_at', list_mrr='opening_list_mrr_amount') }}
                as mrr_at_opening_rates_amount,
        {% endif %}
        -- what the item was worth when its paid service started (for items gone by the close),
        -- if any of its service in the month was revenue
        case
            when items.is_recognised_in_month
                then {{ csops.item_mrr_at(
                    'items', 'items.paid_from_at', side='just_after', list_mrr='period_list_mrr_amount'
                ) }}
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
        sum(case when is_live_at_close then mrr_at_opening_rates_amount else 0 end) as mrr_at_opening_rates_amount,
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
        {{ csops.money_rounded('coalesce(totals.mrr_at_opening_rates_amount, 0)') }} as mrr_at_opening_rates_amount,
        -- what currency alone changed (0 with reporting_fx_method = constant_currency): a
        -- difference of two rounded amounts, so the bridge balances to the cent
        {{ csops.money_rounded('coalesce(totals.mrr_amount, 0)') }}
        - {{ csops.money_rounded('coalesce(totals.mrr_at_opening_rates_amount, 0)') }} as fx_impact_mrr_amount,
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
