{#
    DuckDB's memory limit, threads and spill folder, from the environment, applied at the start of
    every run (on-run-start) so a build bigger than memory spills to disk instead of dying:

        CSOPS_DUCKDB_MEMORY_LIMIT   e.g. 12GB or 16GiB (DuckDB's default: 80% of the machine's memory)
        CSOPS_DUCKDB_THREADS        e.g. 2 (DuckDB's default: one per core)
        CSOPS_DUCKDB_TEMP_DIR       where DuckDB spills (DuckDB's default: <warehouse>.tmp beside the file)

    Unset means DuckDB's default. A bad value stops the run with one line naming the variable.
    dbt's own threads (models built at once) are CSOPS_DBT_THREADS in profiles.yml.
    Settings are global to the DuckDB instance, so every dbt thread's connection has them.
    Nothing happens on other engines (Spark is sized by its cluster).
#}
{% macro apply_engine_settings() %}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set memory_limit = env_var('CSOPS_DUCKDB_MEMORY_LIMIT', '') | trim -%}
    {%- set threads = env_var('CSOPS_DUCKDB_THREADS', '') | trim -%}
    {%- set temp_dir = env_var('CSOPS_DUCKDB_TEMP_DIR', '') | trim -%}
    {%- set problems = [] -%}
    {%- if memory_limit and not modules.re.match('^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$', memory_limit) -%}
        {%- do problems.append("CSOPS_DUCKDB_MEMORY_LIMIT: got '" ~ memory_limit ~ "'; allowed: a size such as 12GB or 16GiB") -%}
    {%- endif -%}
    {%- if threads and not modules.re.match('^[1-9][0-9]*$', threads) -%}
        {%- do problems.append("CSOPS_DUCKDB_THREADS: got '" ~ threads ~ "'; allowed: a whole number of at least 1") -%}
    {%- endif -%}
    {%- if temp_dir and "'" in temp_dir -%}
        {%- do problems.append("CSOPS_DUCKDB_TEMP_DIR: got '" ~ temp_dir ~ "'; allowed: a folder path without quotes") -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join('\n')) }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- if memory_limit -%}{%- do statements.append("set global memory_limit = '" ~ memory_limit ~ "'") -%}{%- endif -%}
    {%- if threads -%}{%- do statements.append("set global threads = " ~ threads) -%}{%- endif -%}
    {%- if temp_dir -%}{%- do statements.append("set global temp_directory = '" ~ temp_dir ~ "'") -%}{%- endif -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
