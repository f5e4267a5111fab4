{#-
    The one model outside staging that reads sources: it exists to count them. For every raw
    table it proves that no row was lost without a trace - raw rows = staged rows + re-sync
    duplicates removed - and counts the rows staging flagged (test, deleted, invalid).
-#}

{%- set tables = [
    ('crm', 'accounts', 'stg_crm__accounts', 'id'),
    ('crm', 'contacts', 'stg_crm__contacts', 'id'),
    ('crm', 'opportunities', 'stg_crm__opportunities', 'id'),
    ('crm', 'users', 'stg_crm__users', 'id'),
    ('billing', 'customers', 'stg_billing__customers', 'id'),
    ('billing', 'plans', 'stg_billing__plans', 'id'),
    ('billing', 'subscriptions', 'stg_billing__subscriptions', 'id'),
    ('billing', 'subscription_items', 'stg_billing__subscription_items', 'id'),
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
] -%}
{%- if var('enable_community', true) -%}
    {%- do tables.extend([
        ('community', 'members', 'stg_community__members', 'id'),
        ('community', 'posts', 'stg_community__posts', 'id'),
        ('community', 'event_attendance', 'stg_community__event_attendance', 'id'),
    ]) -%}
{%- endif -%}

with

{% for system, table, model, key in tables -%}
    {{ system }}__{{ table }} as (

        {{ csops.raw_row_reconciliation(system, table, model, key) }}

    ),

{% endfor -%}

unioned as (

    {% for system, table, model, key in tables -%}
        select * from {{ system }}__{{ table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_system,
        source_table,
        staging_model,
        raw_rows,
        raw_distinct_keys,
        staged_rows,
        flagged_rows,
        raw_rows - raw_distinct_keys as duplicate_rows_removed,
        staged_rows - flagged_rows as clean_rows,
        (
            raw_rows = staged_rows + (raw_rows - raw_distinct_keys)
            and staged_rows = raw_distinct_keys
        ) as is_reconciled
    from unioned

)

select * from final
