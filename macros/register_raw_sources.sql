{#
    Make every declared source a real relation before anything runs.

    With raw_source_mode = 'parquet' (the default, on DuckDB) each source table
    <system>.<table> becomes a view raw_<system>.<table> over
    <raw_data_path>/<system>/<table>.parquet. Sources are then ordinary relations:
    `dbt source freshness`, dbt unit tests and ad-hoc SQL all see them. With
    raw_source_mode = 'tables' (or any engine other than DuckDB) the raw tables are
    expected to exist already, loaded by an EL tool, and nothing is done.
#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'csops')()) }}
{% endmacro %}

{% macro default__register_raw_sources() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_raw_sources() %}
    {%- if not execute or csops.checked_var('raw_source_mode') != 'parquet' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set raw_path = var('raw_data_path') | replace('\\', '/') -%}
    {%- set statements = [] -%}
    {%- set schemas = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do statements.append('create schema if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set file = raw_path ~ '/' ~ node.source_name ~ '/' ~ node.name ~ '.parquet' -%}
            {%- do statements.append(
                'create or replace view ' ~ node.schema ~ '.' ~ node.identifier
                ~ " as select * from read_parquet('" ~ file ~ "')"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ log('registered ' ~ (statements | length - schemas | length) ~ ' raw tables from ' ~ raw_path, info=true) }}
    {{ return('') }}
{% endmacro %}
