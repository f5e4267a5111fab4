{#
    One row of row counts for a raw table and its staging model (see rpt_raw_row_reconciliation):
    raw rows, distinct raw keys, staged rows and staged rows carrying a flag. The flag columns
    counted are whichever of is_test_account, is_deleted and is_invalid the staging model has.
#}
{% macro raw_row_reconciliation(source_name, table_name, model_name, key_expression) %}
    {%- set model_relation = ref(model_name) -%}
    {%- set flag_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model_relation) -%}
            {%- if column.name | lower in ['is_test_account', 'is_deleted', 'is_invalid'] -%}
                {%- do flag_columns.append(column.name | lower) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
    select
        '{{ source_name }}' as source_system,
        '{{ table_name }}' as source_table,
        '{{ model_name }}' as staging_model,
        raw_counts.raw_rows,
        raw_counts.raw_distinct_keys,
        staged_counts.staged_rows,
        staged_counts.flagged_rows
    from (
        select
            count(*) as raw_rows,
            count(distinct {{ key_expression }}) as raw_distinct_keys
        from {{ source(source_name, table_name) }}
    ) as raw_counts
    cross join (
        select
            count(*) as staged_rows,
            {% if flag_columns | length > 0 -%}
                cast(sum(case when {{ flag_columns | join(' or ') }} then 1 else 0 end) as bigint)
            {%- else -%}
                0
            {%- endif %} as flagged_rows
        from {{ model_relation }}
    ) as staged_counts
{% endmacro %}
