{#-
    Every contract term end of an annual subscription - the renewals CSMs manage - with the ARR up
    for renewal and, for term ends already past, what happened: renewed (same ARR), expanded,
    contracted or churned. Monthly subscriptions renew every month and are followed in
    fct_mrr_movements instead. ARR is MRR x 12 in the reporting currency at constant rates.

    ARR follows the same recognition basis as MRR (var mrr_recognition_basis): with
    paid_invoices (default) an item counts at a term end only while a service period that is
    revenue covers that instant (csops.recognised_service_periods: paid, or still being
    collected after a paid one or on payment terms), so a renewal whose invoice billing wrote off is churned, and a
    term that was never revenue at its end (only written-off periods) is no renewal at all.
    With subscription_items every item counts from the trial's end to its end, paid or not.
-#}

{%- set max_terms = 25 -%}
{%- set basis = csops.checked_var('mrr_recognition_basis') -%}

with

items as (

    select * from {{ ref('int_subscription_items_priced') }}
    where billing_interval = 'year'

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

invoices as (

    select * from {{ ref('int_invoices_collection_tracked') }}
    where subscription_id is not null

),

-- the service periods that are revenue (read with mrr_recognition_basis = paid_invoices)
recognised_periods as (

    {{ csops.recognised_service_periods('invoices') }}

),

-- subscriptions whose customer asked to cancel at the end of the paid period, still live
cancel_requests as (

    select
        subscription_id,
        canceled_at
    from {{ ref('int_subscriptions_current_terms') }}
    where is_cancel_at_period_end and ended_at is null

),

subscriptions as (

    select
        subscription_id,
        customer_id,
        min(paid_from_at) as contract_started_at,
        max(coalesce(paid_until_at, cast('9999-12-31' as timestamp))) as contract_ended_at
    from items
    group by subscription_id, customer_id

),

term_numbers as (

    {% for n in range(max_terms) %}
        select {{ n }} as term_number
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

terms as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        term_numbers.term_number + 1 as term_number,
        subscriptions.contract_ended_at,
        {{ dbt.dateadd('month', '12 * term_numbers.term_number', 'subscriptions.contract_started_at') }}
            as term_started_at,
        {{ dbt.dateadd('month', '12 * (term_numbers.term_number + 1)', 'subscriptions.contract_started_at') }}
            as term_ends_at
    from subscriptions
    cross join term_numbers
    cross join as_of
    where
        {{ dbt.dateadd('month', '12 * term_numbers.term_number', 'subscriptions.contract_started_at') }}
        < subscriptions.contract_ended_at
        and {{ dbt.dateadd('month', '12 * term_numbers.term_number', 'subscriptions.contract_started_at') }}
        <= cast(as_of.as_of_date as timestamp)

),

arr_around_term_end as (

    select
        terms.subscription_id,
        terms.term_number,
        12 * sum(
            case
                when {{ csops.item_is_paid_at('items', 'terms.term_ends_at') }}
                    then {{ csops.item_mrr_at('items', 'terms.term_ends_at') }}
                else 0
            end
        ) as arr_before_amount,
        12 * sum(
            case
                when {{ csops.item_is_paid_at('items', 'terms.term_ends_at', side='just_after') }}
                    then {{ csops.item_mrr_at('items', 'terms.term_ends_at', side='just_after') }}
                else 0
            end
        ) as arr_after_amount
    from terms
    inner join items on terms.subscription_id = items.subscription_id
    group by terms.subscription_id, terms.term_number

),

-- whether a service period that is revenue covers the term end, just before and just after it
recognised_around_term_end as (

    select
        terms.subscription_id,
        terms.term_number,
        {% if basis == 'paid_invoices' %}
            exists(
                select 1 as is_found from recognised_periods as periods
                where
                    periods.subscription_id = terms.subscription_id
                    and periods.period_started_at < terms.term_ends_at
                    and periods.period_ends_at >= terms.term_ends_at
            ) as is_recognised_before,
            exists(
                select 1 as is_found from recognised_periods as periods
                where
                    periods.subscription_id = terms.subscription_id
                    and periods.period_started_at <= terms.term_ends_at
                    and periods.period_ends_at > terms.term_ends_at
            ) as is_recognised_after
        {% else %}
            {# subscription_items: every item in service is revenue #}
            true as is_recognised_before,
            true as is_recognised_after
        {% endif %}
    from terms

),

arr_recognised as (

    select
        arr.subscription_id,
        arr.term_number,
        case when recognised.is_recognised_before then arr.arr_before_amount else 0 end as arr_before_amount,
        case when recognised.is_recognised_after then arr.arr_after_amount else 0 end as arr_after_amount
    from arr_around_term_end as arr
    inner join recognised_around_term_end as recognised
        on
            arr.subscription_id = recognised.subscription_id
            and arr.term_number = recognised.term_number

),

final as (

    select
        {{ csops.generate_surrogate_key(['terms.subscription_id', 'terms.term_number']) }} as renewal_id,
        terms.customer_id,
        terms.subscription_id,
        terms.term_number,
        cast(terms.term_started_at as date) as term_start_date,
        cast(terms.term_ends_at as date) as renewal_date,
        {{ dbt.datediff('as_of.as_of_date', 'cast(terms.term_ends_at as date)', 'day') }}
            as days_to_renewal,
        cast(terms.term_ends_at as date) <= as_of.as_of_date as is_past,
        -- the next renewal of a subscription the customer asked to end: already lost unless won back
        cancel_requests.subscription_id is not null
        and cast(terms.term_ends_at as date) > as_of.as_of_date as is_cancel_scheduled,
        case
            when cast(terms.term_ends_at as date) > as_of.as_of_date then cancel_requests.canceled_at
        end as canceled_at,
        -- ARR is rounded once, here, from the exact item values
        {{ csops.money_rounded('arr.arr_before_amount') }} as arr_up_for_renewal_amount,
        case
            when cast(terms.term_ends_at as date) <= as_of.as_of_date
                then {{ csops.money_rounded('arr.arr_after_amount') }}
        end as arr_after_renewal_amount,
        case
            when cast(terms.term_ends_at as date) > as_of.as_of_date then null
            when arr.arr_after_amount = 0 then 'churned'
            when arr.arr_after_amount > arr.arr_before_amount then 'expanded'
            when arr.arr_after_amount < arr.arr_before_amount then 'contracted'
            else 'renewed'
        end as renewal_outcome
    from terms
    cross join as_of
    inner join arr_recognised as arr
        on
            terms.subscription_id = arr.subscription_id
            and terms.term_number = arr.term_number
    left join cancel_requests on terms.subscription_id = cancel_requests.subscription_id
    {% if basis == 'paid_invoices' %}
        -- a term that was never revenue at its end (only written-off periods) is no renewal
        where arr.arr_before_amount > 0 or arr.arr_after_amount > 0
    {% endif %}

)

select * from final
