{#
    The one rule for what a subscription item is worth at an instant, shared by the MRR history
    (int_customers_mrr_monthly) and renewals (fct_renewals). `item` is the alias of a relation
    with int_subscription_items_priced's columns; `instant` a timestamp expression.

    side = 'just_before': the instant closes a period (a month's close, a term's last moment). An
        item paid until midnight of the 1st is still live, and so is a discount ending then.
    side = 'just_after': the instant opens the next period (the first moment of a new term).
#}
{% macro item_is_paid_at(item, instant, side='just_before') -%}
    {%- if side == 'just_before' -%}
        ({{ item }}.paid_from_at < {{ instant }}
            and ({{ item }}.paid_until_at is null or {{ item }}.paid_until_at >= {{ instant }}))
    {%- elif side == 'just_after' -%}
        ({{ item }}.paid_from_at <= {{ instant }}
            and ({{ item }}.paid_until_at is null or {{ item }}.paid_until_at > {{ instant }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("item_is_paid_at: side must be just_before or just_after, got " ~ side) }}
    {%- endif -%}
{%- endmacro %}

{#
    Money: computed exactly, rounded once. Item values (list MRR, MRR after discount) are
    decimal(38, 10), never rounded; the one rounding to the cent happens at the customer-month
    (int_customers_mrr_monthly: closing and paid-in-month MRR) or at the renewal
    (fct_renewals: ARR), with csops.money_rounded. Every total above that grain is a sum of
    rounded amounts, and every movement a difference of them, so the bridge balances to the cent.
    (DuckDB divides decimals in double precision: a quotient is cast back to decimal(38, 10) at
    once, which keeps it exact to ten places.)
#}
{% macro money_exact(expression) -%}
    cast({{ expression }} as decimal(38, 10))
{%- endmacro %}

{# The one rounding of money to the cent (half away from zero), as decimal(18, 2). #}
{% macro money_rounded(expression) -%}
    cast(round({{ expression }}, 2) as decimal(18, 2))
{%- endmacro %}

{#
    The item's MRR at the instant, if it were live then: list MRR less the discount still running,
    exact (decimal(38, 10), not rounded): discount_pct has two decimals, so the product is exact.
    list_mrr names the item's column holding its list MRR (int_customers_mrr_monthly passes the
    list MRR converted at the month's service-period rate with reporting_fx_method period_start).
#}
{% macro item_mrr_at(item, instant, side='just_before', list_mrr='list_mrr_amount') -%}
    {%- set running = '>=' if side == 'just_before' else '>' -%}
    {{ csops.money_exact(
        item ~ '.' ~ list_mrr ~ ' * (100 - case'
        ~ ' when ' ~ item ~ '.discount_pct > 0'
        ~ ' and (' ~ item ~ '.discount_ends_at is null or ' ~ item ~ '.discount_ends_at ' ~ running ~ ' ' ~ instant ~ ')'
        ~ ' then ' ~ item ~ '.discount_pct else 0 end) * 0.01'
    ) }}
{%- endmacro %}

{#
    The service periods that are revenue under mrr_recognition_basis = paid_invoices (ChartMogul):
    the period of a paid invoice, or of a still unpaid one (open, overdue, in dunning) once the
    subscription has paid an earlier period or when it was sent on payment terms (due after it was
    issued: an invoiced customer paying by bank transfer, whose first invoice is open for weeks);
    never a written-off (uncollectible, void) one.
    `invoices` names a relation with int_invoices_collection_tracked's columns. One rule for the
    MRR history (int_customers_mrr_monthly) and renewals (fct_renewals).
#}
{% macro recognised_service_periods(invoices) -%}
    select
        invoices.subscription_id,
        invoices.period_started_at,
        invoices.period_ends_at
    from {{ invoices }} as invoices
    left join (
        select
            subscription_id,
            min(period_started_at) as first_paid_period_started_at
        from {{ invoices }}
        where collection_status = 'paid'
        group by subscription_id
    ) as first_paid_periods
        on invoices.subscription_id = first_paid_periods.subscription_id
    where
        invoices.collection_status = 'paid'
        or (
            invoices.collection_status in ('open', 'overdue', 'in_dunning')
            and (
                invoices.period_started_at > first_paid_periods.first_paid_period_started_at
                -- sent on payment terms (paid by bank transfer, not charged to a card): revenue
                -- while collected, even the first
                or invoices.due_at > invoices.created_at
            )
        )
{%- endmacro %}

{#
    logo_churn_dates(movements, endings): every logo churn as revenue books it, with its day - one
    row per churn movement of fct_mrr_movements (customer_id, month_start_date, churn_date). The
    day is the day the customer's last subscription ending that month ended
    (int_subscriptions_endings_typed), or the month's first day when revenue stopped earlier (a
    written-off period). `movements` and `endings` name the two relations (import CTEs). The one
    rule for "churned within N days after a day": the health backtest and the play effectiveness
    report both count churn_date in (day, day + N].
#}
{% macro logo_churn_dates(movements, endings) -%}
    select
        _movements.customer_id,
        _movements.month_start_date,
        coalesce(
            max(cast(_endings.ended_at as date)),
            _movements.month_start_date
        ) as churn_date
    from {{ movements }} as _movements
    left join {{ endings }} as _endings
        on
            _movements.customer_id = _endings.customer_id
            and _movements.month_start_date = _endings.ended_month_start_date
    where _movements.movement_type = 'churn'
    group by _movements.customer_id, _movements.month_start_date
{%- endmacro %}
