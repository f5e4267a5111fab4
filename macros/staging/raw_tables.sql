{#
    Every raw table with its staging model and the expression of its primary key, for the data
    quality reports that read raw tables directly. Add a row here when a source table is added.
    The tables of a switched-off system (csops.system_enabled) drop out.
#}
{% macro raw_tables() %}
    {%- set tables = [
        ('crm', 'accounts', 'stg_crm__accounts', 'id'),
        ('crm', 'contacts', 'stg_crm__contacts', 'id'),
        ('crm', 'opportunities', 'stg_crm__opportunities', 'id'),
        ('crm', 'users', 'stg_crm__users', 'id'),
        ('billing', 'customers', 'stg_billing__customers', 'id'),
        ('billing', 'plans', 'stg_billing__plans', 'id'),
        ('billing', 'subscriptions', 'stg_billing__subscriptions', 'id'),
        ('billing', 'subscription_items', 'stg_billing__subscription_items', 'id'),
        ('billing', 'subscription_pauses', 'stg_billing__subscription_pauses', 'id'),
        ('billing', 'invoices', 'stg_billing__invoices', 'id'),
        ('billing', 'payments', 'stg_billing__payments', 'id'),
        ('billing', 'fx_rates', 'stg_billing__fx_rates',
            'cast(rate_date as ' ~ dbt.type_string() ~ ") || '|' || quote_currency"),
        ('product', 'workspaces', 'stg_product__workspaces', 'workspace_id'),
        ('product', 'users', 'stg_product__users', 'id'),
        ('product', 'features', 'stg_product__features', 'feature_key'),
        ('product', 'events', 'stg_product__events', 'event_id'),
        ('support', 'organizations', 'stg_support__organizations', 'id'),
        ('support', 'tickets', 'stg_support__tickets', 'id'),
        ('surveys', 'nps_responses', 'stg_surveys__nps_responses', 'response_id'),
        ('surveys', 'csat_responses', 'stg_surveys__csat_responses', 'response_id'),
        ('cs_platform', 'activities', 'stg_cs_platform__activities', 'id'),
        ('cs_platform', 'check_ins', 'stg_cs_platform__check_ins', 'id'),
        ('community', 'members', 'stg_community__members', 'id'),
        ('community', 'posts', 'stg_community__posts', 'id'),
        ('community', 'event_attendance', 'stg_community__event_attendance', 'id'),
    ] -%}
    {%- set enabled = [] -%}
    {%- for table in tables if csops.system_enabled(table[0]) -%}
        {%- do enabled.append(table) -%}
    {%- endfor -%}
    {{ return(enabled) }}
{% endmacro %}
