{#
    The latest version of every raw record: how each staging model keeps one row per key. The row
    with the latest load (`loaded_at`, default `_loaded_at`) wins. Rows of one key tied on that
    load are told apart by a hash of their whole content, never by their order in the file, so
    the same rows give the same result in any order. Copies with the same content (a re-sync
    sent twice in one load) are one version. A key whose latest load holds two or more different
    versions is a load conflict: the EL tool delivered contradicting rows at the same instant and
    no rule can say which is right; `has_load_conflict` is true and the row kept is only the
    reproducible pick (the highest content hash).

    Returns every column of `relation` (a relation or the name of a CTE) plus has_load_conflict;
    callers select explicit columns. `key` is one column or a comma-separated list.

        latest as (
            {{ csops.latest_version('source', key='id') }}
        ),
#}
{% macro latest_version(relation, key, loaded_at='_loaded_at') %}
    {{ return(adapter.dispatch('latest_version', 'csops')(relation, key, loaded_at)) }}
{% endmacro %}

{#-
    Hashing every row is the slow part (it tripled the time of the product events on `small`), so
    only rows that share their key and load with another row are hashed; the others have no tie
    to break. The default is Spark SQL (the row as a JSON struct) and keeps the helper columns
    _latest_version_* in its output.
-#}
{% macro default__latest_version(relation, key, loaded_at) %}
    select *
    from (
        select
            _latest_version_hashed.*,
            row_number() over (
                partition by {{ key }}
                order by {{ loaded_at }} desc, _latest_version_hash desc
            ) as _latest_version_rank,
            {{ csops.load_conflict('_latest_version_hash', key, loaded_at) }} as has_load_conflict
        from (
            select
                _latest_version_row.*,
                {{ csops.tie_hash('_latest_version_row', key, loaded_at) }} as _latest_version_hash
            from {{ relation }} as _latest_version_row
        ) as _latest_version_hashed
    ) as _latest_version_ranked
    where _latest_version_rank = 1
{% endmacro %}

{#- DuckDB: a table alias used as a value is the row as a struct; its text form quotes strings and nulls. -#}
{% macro duckdb__latest_version(relation, key, loaded_at) %}
    select
        * exclude (_latest_version_hash),
        {{ csops.load_conflict('_latest_version_hash', key, loaded_at) }} as has_load_conflict
    from (
        select
            _latest_version_row.*,
            {{ csops.tie_hash('_latest_version_row', key, loaded_at) }} as _latest_version_hash
        from {{ relation }} as _latest_version_row
    ) as _latest_version_hashed
    qualify row_number() over (
        partition by {{ key }}
        order by {{ loaded_at }} desc, _latest_version_hash desc
    ) = 1
{% endmacro %}


{#
    The two rules every version of a raw record is resolved by, here and in csops.load_versions
    (macros/staging/history.sql), so the current state and the history can never disagree:

    tie_hash: a hash of the whole row, only for rows that share their key and load with another
    row (the others have no tie to break; hashing every row is the slow part). Ties are broken on
    it, highest first, never on file order.
    load_conflict: two or more different rows of one key in one load.
#}
{% macro tie_hash(row_alias, key, loaded_at) %}
    {{ return(adapter.dispatch('tie_hash', 'csops')(row_alias, key, loaded_at)) }}
{% endmacro %}

{#- Spark SQL: the row as a JSON struct. -#}
{% macro default__tie_hash(row_alias, key, loaded_at) -%}
    case
        when count(*) over (partition by {{ key }}, {{ loaded_at }}) > 1
            then md5(to_json(struct({{ row_alias }}.*)))
    end
{%- endmacro %}

{#- DuckDB: a table alias used as a value is the row as a struct; its text form quotes strings and nulls. -#}
{% macro duckdb__tie_hash(row_alias, key, loaded_at) -%}
    case
        when count(*) over (partition by {{ key }}, {{ loaded_at }}) > 1
            then md5(cast({{ row_alias }} as varchar))
    end
{%- endmacro %}

{% macro load_conflict(hash, key, loaded_at) -%}
    coalesce(
        min({{ hash }}) over (partition by {{ key }}, {{ loaded_at }})
        != max({{ hash }}) over (partition by {{ key }}, {{ loaded_at }}),
        false
    )
{%- endmacro %}
