{#
    Keep one row per partition: the first by `order_by` (e.g. the latest load). Like
    dbt_utils.deduplicate. `relation` is a relation or the name of a CTE. The default
    implementation adds a column _dedupe_row_number; callers select explicit columns.
    Rows tied on `order_by` are kept in no particular order: end `order_by` with a unique
    tie-breaker column. Staging keeps raw records with csops.latest_version instead, which
    breaks ties on the row's content and flags conflicting versions.
#}
{% macro deduplicate(relation, partition_by, order_by) %}
    {{ return(adapter.dispatch('deduplicate', 'csops')(relation, partition_by, order_by)) }}
{% endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by) %}
    select *
    from (
        select
            _dedupe_input.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _dedupe_row_number
        from {{ relation }} as _dedupe_input
    ) as _dedupe_ranked
    where _dedupe_row_number = 1
{% endmacro %}

{% macro duckdb__deduplicate(relation, partition_by, order_by) %}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{% endmacro %}
