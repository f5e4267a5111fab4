{#
    The raw tables, read from the one registry of the raw contract: the sources YAML
    (models/staging/<system>/_<system>__sources.yml), where every table declares its columns and
    its primary key (config.meta.primary_key). Returns (system, table, staging model, primary-key
    SQL) for the data-quality models that read raw tables directly; the staging model of
    <system>.<table> is stg_<system>__<table>. Only enabled sources are in dbt's graph, so a
    system switched off by its var (enable_community: false) drops out.

    dbt fills `graph` only at execution (it reads the sources YAML after parsing the models), so
    while dbt parses this returns nothing and the callers get their ref() edges to the staging
    models from csops.depends_on_raw_tables().
#}
{% macro raw_tables() %}
    {%- set tables = [] -%}
    {%- if not execute -%}
        {{ return(tables) }}
    {%- endif -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name -%}
            {%- set key = node.config.meta.get('primary_key') or node.meta.get('primary_key') -%}
            {%- if not key -%}
                {{ exceptions.raise_compiler_error(
                    'raw table ' ~ node.source_name ~ '.' ~ node.name
                    ~ ' has no primary key: add config: {meta: {primary_key: [column, ...]}} to it in '
                    ~ node.original_file_path) }}
            {%- endif -%}
            {%- if key | length == 1 -%}
                {%- set key_sql = key[0] -%}
            {%- else -%}
                {%- set parts = [] -%}
                {%- for column in key -%}
                    {%- do parts.append('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') -%}
                {%- endfor -%}
                {%- set key_sql = parts | join(" || '|' || ") -%}
            {%- endif -%}
            {%- do tables.append(
                (node.source_name, node.name, 'stg_' ~ node.source_name ~ '__' ~ node.name, key_sql)
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{% endmacro %}


{#
    The DAG edges of a model or test that reads every raw table (and, with staging=true, every
    staging model) through csops.raw_tables(). dbt records a model's dependencies while it parses
    the SQL, before it has read any sources YAML, so these edges cannot come from the registry:
    this is the one other place raw tables are named, for the DAG only, each system only while its
    enable_<system> var is true (its staging models are disabled otherwise). It cannot drift:
    csops.check_staging_dependencies() fails the build, naming the table, when a table of the
    registry has no edge here, and python/tests/test_raw_contract.py fails when this list and the
    registry differ in either direction.
#}
{% macro depends_on_raw_tables(staging=true) %}
    {%- set staged = {
        'crm': ['accounts', 'contacts', 'opportunities', 'users'],
        'billing': ['customers', 'plans', 'subscriptions', 'subscription_items', 'subscription_pauses',
                    'invoices', 'payments', 'fx_rates'],
        'product': ['workspaces', 'users', 'features', 'events'],
        'support': ['organizations', 'tickets'],
        'surveys': ['nps_responses', 'csat_responses'],
        'cs_platform': ['activities', 'check_ins', 'play_assignments'],
        'community': ['members', 'posts', 'event_attendance'],
    } -%}
    {%- for system, tables in staged.items() if var('enable_' ~ system, true) -%}
        {%- for table in tables -%}
            {%- do source(system, table) -%}
            {%- if staging -%}
                {%- do ref('stg_' ~ system ~ '__' ~ table) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{# Fail, naming the table, when a raw table of the registry has no ref() edge to its staging model. #}
{% macro check_staging_dependencies(tables) %}
    {%- if execute -%}
        {%- for system, table, model_name, key in tables -%}
            {%- if 'model.' ~ project_name ~ '.' ~ model_name not in model.depends_on.nodes -%}
                {{ exceptions.raise_compiler_error(
                    'raw table ' ~ system ~ '.' ~ table ~ ' is in the registry but ' ~ model.name
                    ~ ' does not depend on ' ~ model_name ~ ': add it to csops.depends_on_raw_tables()'
                    ~ ' (macros/staging/raw_tables.sql)') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
