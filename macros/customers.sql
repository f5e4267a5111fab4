{# Customers: how records are tied to one, what identifies one, and the measures every domain shares. #}

{#
    The one way a model links records of a system to their customer: the records' ids (named
    id_column) with the customer_id and canonical CRM account identity resolution gave them.
    Only resolved records of real customers are returned - never internal test accounts, never
    records no rule could place.

        billing_links as (
            {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}
        ),
#}
{% macro customer_links(source_system, source_table, id_column='source_id') -%}
    select
        source_id as {{ id_column }},
        customer_id,
        customer_account_id
    from {{ ref('int_customers_identity_resolved') }}
    where
        source_system = '{{ source_system }}'
        and source_table = '{{ source_table }}'
        and is_resolved
        and not is_test_account
{%- endmacro %}

{#
    The unified customer id of a canonical CRM account (int_crm_accounts_unified.customer_account_id):
    the same surrogate key wherever a customer id is made.
#}
{% macro customer_id_of_account(account_id_column) -%}
    {{ csops.generate_surrogate_key([account_id_column]) }}
{%- endmacro %}

{#
    True when a timestamp falls in the trailing window of the given number of days before the
    warehouse's as-of day (int_warehouse_as_of), joined in as as_of. The window's length is part of
    the column it fills (tickets_90d), so it is passed here rather than kept as a var.
#}
{% macro within_days_before_as_of(timestamp_column, days, as_of_date='as_of.as_of_date') -%}
    {{ timestamp_column }} >= cast({{ dbt.dateadd('day', -days, as_of_date) }} as timestamp)
{%- endmacro %}

{#
    Net Promoter Score from counts: % promoters - % detractors, -100 to 100; null without answers.
#}
{% macro nps_score(promoters, detractors, responses) -%}
    case when {{ responses }} > 0 then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ responses }} end
{%- endmacro %}
