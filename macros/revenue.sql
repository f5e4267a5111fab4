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

{# The item's MRR at the instant, if it were live then: list MRR less the discount still running. #}
{% macro item_mrr_at(item, instant, side='just_before') -%}
    {%- set running = '>=' if side == 'just_before' else '>' -%}
    {{ item }}.list_mrr_amount * (
        1 - case
            when {{ item }}.discount_pct > 0
                and ({{ item }}.discount_ends_at is null or {{ item }}.discount_ends_at {{ running }} {{ instant }})
                then {{ item }}.discount_pct / 100.0
            else 0
        end
    )
{%- endmacro %}
