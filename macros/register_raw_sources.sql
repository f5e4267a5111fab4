{#
    Make every declared source a real relation before anything runs.

    With raw_source_mode = 'parquet' (the default, on DuckDB) each source table
    <system>.<table> of the registry (the sources YAML) becomes a view raw_<system>.<table> over
    whichever of these exists in <raw_data_path>:

      <system>/<table>.parquet            one file, as csops generate writes it;
      <system>/<table>/**/*.parquet       a folder of files, as an EL tool or a daily sync writes
                                          them (e.g. loaded_date=2026-11-01/part-0.parquet).

    A folder is read with union_by_name (a column added to later files lines up by name, missing
    from older ones as null) and without hive partitioning: the contract's columns come from the
    files, so a folder name like loaded_date=... adds no column (every row carries _loaded_at).
    A column the registry marks required: false may be missing from the files; the view then
    carries it as null, cast to its data_type. A table the registry marks table_required: false
    (billing.fx_rates) may have no files at all: its view is then empty, with the contract's
    columns. A missing required column, a required table with no files, or a table given both
    ways stops the run with one line (csops check-raw says more).

    Sources are then ordinary relations: `dbt source freshness`, dbt unit tests and ad-hoc SQL all
    see them. With raw_source_mode = 'tables' (or any engine other than DuckDB) the raw tables
    are expected to exist already, loaded by an EL tool, and nothing is done.
#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'csops')()) }}
{% endmacro %}

{% macro default__register_raw_sources() %}
    {{ return('') }}
{% endmacro %}

{#
    Whether a raw table must be exported: true unless its sources YAML says
    config.meta.table_required: false (billing.fx_rates: a single-currency company has none; a
    currency in use without rates is caught by csops.validate_vars_against_data).
#}
{% macro raw_table_required(node) %}
    {%- set meta = (node.config.meta if node.config and node.config.meta else {}) -%}
    {{ return(meta.get('table_required', (node.meta or {}).get('table_required', true))) }}
{% endmacro %}

{# The SQL type a registry data_type is cast to when an optional column is missing. #}
{% macro raw_contract_sql_type(data_type) %}
    {{ return({'integer': 'bigint'}.get(data_type | lower, data_type)) }}
{% endmacro %}

{% macro duckdb__register_raw_sources() %}
    {%- if not execute or csops.checked_var('raw_source_mode') != 'parquet' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set raw_path = (var('raw_data_path') | replace('\\', '/')).rstrip('/') -%}
    {#- every Parquet file under the raw folder with its columns, in one metadata read -#}
    {%- set columns_by_file = {} -%}
    {%- set listing = run_query(
        "select file_name, name from parquet_schema('" ~ raw_path ~ "/**/*.parquet') "
        ~ "where name != 'schema' order by file_name"
    ) -%}
    {%- for row in listing.rows -%}
        {%- do columns_by_file.setdefault(row[0], []).append(row[1] | lower) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- set schemas = [] -%}
    {%- set problems = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do statements.append('create schema if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set file = raw_path ~ '/' ~ node.source_name ~ '/' ~ node.name ~ '.parquet' -%}
            {%- set folder = raw_path ~ '/' ~ node.source_name ~ '/' ~ node.name ~ '/' -%}
            {%- set parts = [] -%}
            {%- for path in columns_by_file if path.startswith(folder) -%}
                {%- do parts.append(path) -%}
            {%- endfor -%}
            {%- set present = [] -%}
            {%- if file in columns_by_file and parts -%}
                {%- do problems.append(node.source_name ~ '.' ~ node.name ~ ': both ' ~ file ~ ' and the folder '
                    ~ folder ~ ' exist; keep one') -%}
            {%- elif file in columns_by_file -%}
                {%- set reader = "read_parquet('" ~ file ~ "')" -%}
                {%- do present.extend(columns_by_file[file]) -%}
            {%- elif parts -%}
                {%- set reader = "read_parquet('" ~ folder ~ "**/*.parquet', union_by_name = true, "
                    ~ "hive_partitioning = false)" -%}
                {%- for path in parts -%}
                    {%- do present.extend(columns_by_file[path]) -%}
                {%- endfor -%}
            {%- elif not csops.raw_table_required(node) -%}
                {#- an optional table (billing.fx_rates of a single-currency company): empty, typed -#}
                {%- set empty_columns = [] -%}
                {%- for column in node.columns.values() -%}
                    {%- do empty_columns.append('cast(null as ' ~ csops.raw_contract_sql_type(column.data_type)
                        ~ ') as ' ~ column.name) -%}
                {%- endfor -%}
                {%- do statements.append('create or replace view ' ~ node.schema ~ '.' ~ node.identifier
                    ~ ' as select ' ~ empty_columns | join(', ') ~ ' where false') -%}
                {{ log('raw ' ~ node.source_name ~ '.' ~ node.name ~ ': no files; read as an empty table (optional)', info=true) }}
            {%- else -%}
                {%- do problems.append(node.source_name ~ '.' ~ node.name ~ ': no ' ~ file ~ ' and no folder '
                    ~ folder ~ ' of .parquet files') -%}
            {%- endif -%}
            {%- if present -%}
                {%- set fills = [] -%}
                {%- for column in node.columns.values() if column.name | lower not in present -%}
                    {%- if column.config.meta.get('required', column.meta.get('required', true)) -%}
                        {%- do problems.append(node.source_name ~ '.' ~ node.name ~ ': column ' ~ column.name
                            ~ ' missing (required, ' ~ column.data_type ~ ')') -%}
                    {%- else -%}
                        {%- do fills.append('cast(null as ' ~ csops.raw_contract_sql_type(column.data_type)
                            ~ ') as ' ~ column.name) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- do statements.append(
                    'create or replace view ' ~ node.schema ~ '.' ~ node.identifier
                    ~ ' as select *' ~ (', ' ~ fills | join(', ') if fills else '') ~ ' from ' ~ reader
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error('raw data in ' ~ raw_path ~ ' does not match the raw contract (run csops check-raw '
            ~ raw_path ~ '): ' ~ problems | join('; ')) }}
    {%- endif -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ log('registered ' ~ (statements | length - schemas | length) ~ ' raw tables from ' ~ raw_path, info=true) }}
    {{ return('') }}
{% endmacro %}
