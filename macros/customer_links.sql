{#
    The one way a model links records of a system to their customer: the records' ids (named
    id_column) with the customer_id identity resolution gave them. Only resolved records of real
    customers are returned - never internal test accounts, never records no rule could place.

        billing_links as (
            {{ csops.customer_links('billing', 'customers', 'billing_customer_id') }}
        ),
#}
{% macro customer_links(source_system, source_table, id_column='source_id') -%}
    select
        source_id as {{ id_column }},
        customer_id
    from {{ ref('int_customers_identity_resolved') }}
    where
        source_system = '{{ source_system }}'
        and source_table = '{{ source_table }}'
        and is_resolved
        and not is_test_account
{%- endmacro %}
