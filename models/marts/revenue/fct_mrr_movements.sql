{#-
    The MRR bridge, customer by customer: for every customer-month with MRR, the movement that
    explains the change from the month's opening MRR (last month's close) to its closing MRR.
    Definitions follow ChartMogul's (vars in dbt_project.yml say where we let you differ):
      new           first paid MRR of a customer who never paid before
      reactivation  paid MRR again after a month or more at zero
      expansion     MRR up (more seats, a higher plan, a discount expiring, another subscription)
      contraction   MRR down - to zero too while a subscription stays live (a pause, a 100%
                    discount, a free plan; mrr_zero_without_cancellation_is_churn)
      churn         MRR down to zero with no live subscription left: the customer's service
                    ended (mrr_churn_recognition: when it ends in billing, or at the
                    cancellation) or its last paid period ran out (mrr_recognition_basis);
                    involuntary when billing ended a subscription for not paying that month
      unchanged     MRR the same as last month
      fx_impact     what exchange rates alone changed (reporting_fx_method = period_start, each
                    service period at the rate of its start): the customer's own movement is
                    measured from the opening to the closing MRR at the opening's rates
                    (int_customers_mrr_monthly.mrr_at_opening_rates_amount), and the rest is this
                    row. Never with constant_currency (the default), where rates do not move.
    A customer who starts and cancels within one month has two rows, new (or reactivation) and
    churn, of the same amount (mrr_same_month_start_and_cancel = new_and_churn). MRR falling to
    zero while a subscription stays live (a pause, a 100% discount) is a contraction and its return
    an expansion, as in ChartMogul (mrr_zero_without_cancellation_is_churn = true makes it churn
    and reactivation).
    For every month: opening + new + expansion + reactivation - contraction - churn + fx impact
    = closing. A row's closing_mrr_amount is the customer's closing MRR; with an fx_impact row
    the customer's other row ends at the closing at opening rates (opening + its change).
-#}

{#- both vars checked against their rules in macros/validate_vars.sql -#}
{%- set same_month = csops.checked_var('mrr_same_month_start_and_cancel') -%}
{%- set zero_is_churn = csops.checked_var('mrr_zero_without_cancellation_is_churn') -%}
{#- the two choices as SQL booleans, so the rules below read as plain SQL -#}
{%- set zero_on_live_is_churn = 'true' if zero_is_churn else 'false' -%}
{%- set record_same_month = 'true' if same_month == 'new_and_churn' else 'false' -%}

with

customer_months as (

    select * from {{ ref('int_customers_mrr_monthly') }}

),

subscription_endings as (

    select * from {{ ref('int_subscriptions_endings_typed') }}

),

-- a month in which billing ended one of the customer's subscriptions for not paying, or in
-- which its first written-off service period started (revenue ends there when only paid
-- periods count: mrr_recognition_basis = paid_invoices)
involuntary_months as (

    select
        customer_id,
        ended_month_start_date as month_start_date
    from subscription_endings
    where end_type = 'involuntary'

    union

    select
        customer_id,
        written_off_month_start_date as month_start_date
    from subscription_endings
    where end_type = 'involuntary' and written_off_month_start_date is not null

),

with_history as (

    select
        customer_id,
        month_start_date,
        mrr_amount as closing_mrr_amount,
        -- the closing at the opening's exchange rates: the customer's own movement ends here
        mrr_at_opening_rates_amount as closing_at_opening_rates_mrr_amount,
        fx_impact_mrr_amount,
        paid_in_month_mrr_amount,
        has_live_subscription,
        coalesce(
            lag(mrr_amount) over (partition by customer_id order by month_start_date), 0
        ) as opening_mrr_amount,
        coalesce(
            lag(has_live_subscription) over (partition by customer_id order by month_start_date), false
        ) as had_live_subscription,
        coalesce(
            max(paid_in_month_mrr_amount) over (
                partition by customer_id
                order by month_start_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) > 0 as has_paid_before
    from customer_months

),

classified as (

    select
        *,
        case
            -- back from zero on a subscription that stayed live (a pause, a free month)
            when
                opening_mrr_amount = 0 and closing_at_opening_rates_mrr_amount > 0
                and had_live_subscription and not {{ zero_on_live_is_churn }}
                then 'expansion'
            when
                opening_mrr_amount = 0 and closing_at_opening_rates_mrr_amount > 0 and has_paid_before
                then 'reactivation'
            when opening_mrr_amount = 0 and closing_at_opening_rates_mrr_amount > 0 then 'new'
            -- down to zero while a subscription stays live
            when
                opening_mrr_amount > 0 and closing_at_opening_rates_mrr_amount = 0
                and has_live_subscription and not {{ zero_on_live_is_churn }}
                then 'contraction'
            when opening_mrr_amount > 0 and closing_at_opening_rates_mrr_amount = 0 then 'churn'
            when closing_at_opening_rates_mrr_amount > opening_mrr_amount then 'expansion'
            when closing_at_opening_rates_mrr_amount < opening_mrr_amount then 'contraction'
            when closing_at_opening_rates_mrr_amount > 0 then 'unchanged'
            -- zero at both ends, but paid for part of the month: started and cancelled within it
            when paid_in_month_mrr_amount > 0 and {{ record_same_month }} and has_paid_before then 'reactivation'
            when paid_in_month_mrr_amount > 0 and {{ record_same_month }} then 'new'
        end as movement_type
    from with_history

),

movements as (

    select
        customer_id,
        month_start_date,
        movement_type,
        opening_mrr_amount,
        closing_mrr_amount,
        case
            when opening_mrr_amount = 0 and closing_at_opening_rates_mrr_amount = 0 then paid_in_month_mrr_amount
            else abs(closing_at_opening_rates_mrr_amount - opening_mrr_amount)
        end as movement_mrr_amount,
        cast(null as decimal(18, 2)) as fx_impact_mrr_amount
    from classified
    where movement_type is not null

    union all

    -- ... and the churn that closes the same month
    select
        customer_id,
        month_start_date,
        'churn' as movement_type,
        opening_mrr_amount,
        closing_mrr_amount,
        paid_in_month_mrr_amount as movement_mrr_amount,
        cast(null as decimal(18, 2)) as fx_impact_mrr_amount
    from classified
    where
        opening_mrr_amount = 0 and closing_at_opening_rates_mrr_amount = 0 and paid_in_month_mrr_amount > 0
        and {{ record_same_month }}

    union all

    -- what exchange rates alone changed (reporting_fx_method = period_start)
    select
        customer_id,
        month_start_date,
        'fx_impact' as movement_type,
        closing_at_opening_rates_mrr_amount as opening_mrr_amount,
        closing_mrr_amount,
        abs(fx_impact_mrr_amount) as movement_mrr_amount,
        fx_impact_mrr_amount
    from classified
    where fx_impact_mrr_amount != 0

),

final as (

    select
        {{ csops.generate_surrogate_key([
            'movements.customer_id', 'movements.month_start_date', 'movements.movement_type'
        ]) }} as mrr_movement_id,
        movements.customer_id,
        movements.month_start_date,
        movements.movement_type,
        case
            when movements.movement_type = 'churn' and involuntary_months.customer_id is not null then 'involuntary'
            when movements.movement_type = 'churn' then 'voluntary'
        end as churn_type,
        cast(movements.opening_mrr_amount as decimal(18, 2)) as opening_mrr_amount,
        cast(movements.closing_mrr_amount as decimal(18, 2)) as closing_mrr_amount,
        cast(movements.movement_mrr_amount as decimal(18, 2)) as movement_mrr_amount,
        cast(
            case
                when movements.movement_type in ('new', 'expansion', 'reactivation') then movements.movement_mrr_amount
                when movements.movement_type in ('contraction', 'churn') then -movements.movement_mrr_amount
                when movements.movement_type = 'fx_impact' then movements.fx_impact_mrr_amount
                else 0
            end
            as decimal(18, 2)
        ) as mrr_change_amount
    from movements
    left join involuntary_months
        on
            movements.customer_id = involuntary_months.customer_id
            and movements.month_start_date = involuntary_months.month_start_date

)

select * from final
