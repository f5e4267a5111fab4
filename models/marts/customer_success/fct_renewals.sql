{#-
    Every contract term end of an annual subscription - the renewals CSMs manage - with the ARR up
    for renewal and, for term ends already past, what happened: renewed (same ARR), expanded,
    contracted or churned. Monthly subscriptions renew every month and are followed in
    fct_mrr_movements instead. ARR is MRR x 12 in the reporting currency at constant rates.
-#}

{%- set max_terms = 25 -%}

with

items as (

    select * from {{ ref('int_subscription_items_priced') }}
    where billing_interval = 'year'

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

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
    inner join arr_around_term_end as arr
        on
            terms.subscription_id = arr.subscription_id
            and terms.term_number = arr.term_number
    left join cancel_requests on terms.subscription_id = cancel_requests.subscription_id

)

select * from final
