{{ config(materialized='view') }}

{#-
    The newest load of every raw source table, read live (a view): what the freshness checks
    compare. Like rpt_raw_row_reconciliation, it reads the sources directly because it exists to
    watch them. An empty table (its columns, no rows - a system a company barely uses) is fine: it
    has no newest load (_loaded_at null) and load_status 'empty'; freshness is measured on the
    tables with rows only.
-#}

{%- do csops.depends_on_raw_tables(staging=false) %}

with

loads as (

    {% for system, table, model, key in csops.raw_tables() -%}
        select
            '{{ system }}' as source_system,
            '{{ table }}' as source_table,
            max(_loaded_at) as _loaded_at,
            count(*) as raw_rows,
            case when count(*) = 0 then 'empty' else 'loaded' end as load_status
        from {{ source(system, table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from loads
