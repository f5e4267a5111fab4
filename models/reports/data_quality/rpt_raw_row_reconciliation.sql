{#-
    The one model outside staging that reads sources: it exists to count them. For every raw
    table it proves that no row was lost without a trace - raw rows = staged rows + re-sync
    duplicates removed - and counts the rows staging flagged (test, deleted, invalid).
-#}

{%- do csops.depends_on_raw_tables() -%}
{%- set tables = csops.raw_tables() -%}
{{- csops.check_staging_dependencies(tables) }}

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
