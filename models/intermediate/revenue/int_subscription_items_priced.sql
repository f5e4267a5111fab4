{#-
    Each subscription item with what it is worth a month, in the reporting currency:
    quantity x unit price / months per billing interval (an annual plan counts a twelfth of its
    price), converted at constant exchange rates (var reporting_currency, reporting_fx_rate_date).
    The discount is kept apart because it can expire in the middle of an item. The item's paid
    service starts when the trial ends and stops when the item ends - or, with
    mrr_churn_recognition = 'cancellation', when the customer cancelled.
    Only items of real customers (csops.customer_links): test accounts are left out. An item
    whose currency has no rate keeps its row with a null list_mrr_amount, and the build fails on
    it (the not_null test on items with paid service): revenue is never dropped silently.
-#}

with

items as (

    select * from {{ ref('stg_billing__subscription_items') }}

),

plans as (

    select * from {{ ref('stg_billing__plans') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

billing_links as (

    {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}

),

constant_rates as (

    select * from {{ ref('int_fx_rates_constant') }}

),

final as (

    select
        items.subscription_item_id,
        billing_links.customer_id,
        subscriptions.subscription_id,
        subscriptions.billing_customer_id,
        items.plan_id,
        plans.plan_tier,
        plans.billing_interval,
        plans.currency_code,
        items.quantity,
        items.discount_pct,
        {{ csops.minor_to_major('items.unit_amount_minor', 'plans.currency_code') }} as unit_amount,
        -- exact, not rounded (csops.money_exact): rounding happens once, at the customer-month
        {{ csops.money_exact(
            'items.quantity * ' ~ csops.minor_to_major('items.unit_amount_minor', 'plans.currency_code')
            ~ ' / (plans.billing_interval_months * constant_rates.units_per_reporting_unit)'
        ) }} as list_mrr_amount,
        -- the same in the billing currency, for reporting_fx_method = period_start, which converts
        -- each service period at the rate of its start (int_customers_mrr_monthly)
        {{ csops.money_exact(
            'items.quantity * ' ~ csops.minor_to_major('items.unit_amount_minor', 'plans.currency_code')
            ~ ' / plans.billing_interval_months'
        ) }} as list_mrr_billing_amount,
        items.discount_ends_at,
        items.started_at,
        -- paid service starts when the trial is over
        case
            when subscriptions.trial_ended_at > items.started_at then subscriptions.trial_ended_at
            else items.started_at
        end as paid_from_at,
        {% if csops.checked_var('mrr_churn_recognition') == 'cancellation' %}
            case
                when subscriptions.canceled_at is not null
                    then least(coalesce(items.ended_at, subscriptions.canceled_at), subscriptions.canceled_at)
                else items.ended_at
            end as paid_until_at,
        {% else %}
            {# end_of_period #}
            items.ended_at as paid_until_at,
        {% endif %}
        items.ended_at
    from items
    inner join plans on items.plan_id = plans.plan_id
    inner join subscriptions on items.subscription_id = subscriptions.subscription_id
    inner join billing_links on subscriptions.billing_customer_id = billing_links.billing_customer_id
    -- left join: an item in a currency without rates keeps its row with a null list MRR, which
    -- fails the not_null test (paid service only) instead of dropping out of revenue silently
    left join constant_rates on plans.currency_code = constant_rates.currency_code
    where not items.is_invalid

)

select * from final
