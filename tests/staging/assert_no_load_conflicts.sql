{#-
    Records whose latest load holds two different versions (has_load_conflict, macro
    csops.latest_version): one row per such record, so the warning's count is the number of
    records CS Ops should check in the source system.

    A warning, not an error: staging keeps a reproducible version of each record and flags it, so
    nothing is lost or silently chosen, and the conflict can only be fixed in the source system or
    the EL tool - a failing build would stop every report for a handful of records no model can
    repair.
    Each staging model's first column in its YAML is its key (<entity>_id).
-#}
{{ config(severity='warn') }}

{%- do csops.depends_on_raw_tables() -%}
{%- set tables = csops.raw_tables() %}
{{- csops.check_staging_dependencies(tables) }}

with

{% for system, table, model, key in tables -%}
    {#- the key is the first column of the model's YAML (read from the project, not the database,
        so the test compiles before anything is built) #}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model) if execute else none %}
    {%- set key_column = (node.columns.keys() | list | first) if node and node.columns else 'null' %}
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
