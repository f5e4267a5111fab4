{#-
    Records whose latest load holds two different versions (has_load_conflict, macro
    csops.latest_version): one row per such record, so the warning's count is the number of
    records CS Ops should check in the source system.

    A warning, not an error: staging keeps a reproducible version of each record and flags it, so
    nothing is lost or silently chosen, and the conflict can only be fixed in the source system or
    the EL tool - a failing build would stop every report for a handful of records no model can
    repair.
    Each staging model's first column is its key (<entity>_id).
-#}
{{ config(severity='warn') }}

{%- set tables = csops.raw_tables() %}

with

{% for system, table, model, key in tables -%}
    {#- no columns yet when the relation is not built (sqlfluff on a fresh test warehouse) #}
    {%- set columns = adapter.get_columns_in_relation(ref(model)) if execute else [] %}
    {%- set key_column = columns[0].name if columns else 'null' %}
    {{ system }}__{{ table }} as (

        select
            '{{ model }}' as staging_model,
            cast({{ key_column }} as {{ dbt.type_string() }}) as record_id,
            _loaded_at
        from {{ ref(model) }}
        where has_load_conflict

    ),

{% endfor -%}

conflicts as (

    {% for system, table, model, key in tables -%}
        select * from {{ system }}__{{ table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from conflicts
