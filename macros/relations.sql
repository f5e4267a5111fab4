{#
    ref() and source() without the catalog on DuckDB, so the warehouse file can be copied or
    renamed.

    DuckDB names a database file's catalog after the file (warehouse/csops.duckdb -> "csops"),
    and dbt renders a relation as "catalog"."schema"."table". A view keeps the SQL it was created
    with, so a view over "csops"."staging"."stg_x" breaks once the file is opened under another
    name ("Catalog csops does not exist"). DuckDB binds a view's unqualified "schema"."table"
    inside the catalog that holds the view, so dropping the catalog keeps every view working
    wherever the file goes. Only the catalog dbt builds into (target.database) is dropped: a
    relation in another attached database keeps its name. Other engines keep dbt's behaviour
    (dbt-spark relations name no catalog anyway).
#}
{% macro ref() %}
    {{ return(adapter.dispatch('ref', 'csops')(*varargs, **kwargs)) }}
{% endmacro %}

{% macro default__ref() %}
    {{ return(builtins.ref(*varargs, **kwargs)) }}
{% endmacro %}

{% macro duckdb__ref() %}
    {{ return(csops.without_target_catalog(builtins.ref(*varargs, **kwargs))) }}
{% endmacro %}


{% macro source() %}
    {{ return(adapter.dispatch('source', 'csops')(*varargs, **kwargs)) }}
{% endmacro %}

{% macro default__source() %}
    {{ return(builtins.source(*varargs, **kwargs)) }}
{% endmacro %}

{% macro duckdb__source() %}
    {{ return(csops.without_target_catalog(builtins.source(*varargs, **kwargs))) }}
{% endmacro %}


{# A relation in the target's catalog rendered as "schema"."table"; anything else unchanged. #}
{% macro without_target_catalog(relation) %}
    {%- if relation is not none and relation.include is defined and relation.database == target.database -%}
        {{ return(relation.include(database=False)) }}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}
