{#
    Point in time: every version of a raw record, when it was known, and the state as known at an
    instant. The history models stg_<system>__<table>_history hold the renaming and flagging of
    their table; the current-state model stg_<system>__<table> is their current rows
    (csops.current_versions), so the two can never disagree.

    load_versions(relation, key): one row per key per load (`_loaded_at`), with has_load_conflict
    and valid_to (the key's next load, null for its latest). Rows of one key tied in one load are
    resolved exactly as csops.latest_version resolves them (the highest content hash is kept; two
    different rows are a load conflict), so its current rows are csops.latest_version's rows.
    A re-sync (the same row sent again in a later load) is a version of its own: it was what the
    warehouse knew from that load on, with that load's _loaded_at, exactly as the current-state
    model shows it after that load.

        versions as (
            {{ csops.load_versions('source', key='id') }}
        ),
#}
{% macro load_versions(relation, key, loaded_at='_loaded_at') %}
    {{ return(adapter.dispatch('load_versions', 'csops')(relation, key, loaded_at)) }}
{% endmacro %}

{#-
    valid_to is taken after the ties are resolved (one row per key and load), so it is always the
    next load, never a tied copy of the same one. A null load sorts first (nulls last in
    latest_version's descending order): it is never current while the key has a real load.
    The default (Spark SQL) keeps the helper columns _load_version_* in its output.
-#}
{% macro default__load_versions(relation, key, loaded_at) %}
    select
        _load_versions_resolved.*,
        lead({{ loaded_at }}) over (
            partition by {{ key }}
            order by {{ loaded_at }} asc nulls first
        ) as valid_to
    from (
        select *
        from (
            select
                _load_versions_hashed.*,
                row_number() over (
                    partition by {{ key }}, {{ loaded_at }}
                    order by _load_version_hash desc
                ) as _load_version_rank,
                {{ csops.load_conflict('_load_version_hash', key, loaded_at) }} as has_load_conflict
            from (
                select
                    _load_version_row.*,
                    {{ csops.tie_hash('_load_version_row', key, loaded_at) }} as _load_version_hash
                from {{ relation }} as _load_version_row
            ) as _load_versions_hashed
        ) as _load_versions_ranked
        where _load_version_rank = 1
    ) as _load_versions_resolved
{% endmacro %}

{% macro duckdb__load_versions(relation, key, loaded_at) %}
    select
        *,
        lead({{ loaded_at }}) over (
            partition by {{ key }}
            order by {{ loaded_at }} asc nulls first
        ) as valid_to
    from (
        select
            * exclude (_load_version_hash),
            {{ csops.load_conflict('_load_version_hash', key, loaded_at) }} as has_load_conflict
        from (
            select
                _load_version_row.*,
                {{ csops.tie_hash('_load_version_row', key, loaded_at) }} as _load_version_hash
            from {{ relation }} as _load_version_row
        ) as _load_versions_hashed
        qualify row_number() over (
            partition by {{ key }}, {{ loaded_at }}
            order by _load_version_hash desc
        ) = 1
    ) as _load_versions_resolved
{% endmacro %}


{#
    valid_at(at, alias): the condition "this version was the one known at `at`":
    valid_from <= at < valid_to (or valid_to null). For joins, e.g. every account as known at each
    month end:

        from months
        inner join {{ ref('stg_crm__accounts_history') }} as accounts
            on {{ csops.valid_at('months.month_ends_at', 'accounts') }}

    `at` is an instant: a SQL expression, or a literal 'YYYY-MM-DD[ HH:MM:SS]' (read as a UTC
    timestamp; a date alone is its midnight, so '2026-06-30' is the start of that day).
#}
{% macro valid_at(at, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set instant = csops.instant(at) -%}
    {{ prefix }}valid_from <= {{ instant }}
    and ({{ prefix }}valid_to is null or {{ instant }} < {{ prefix }}valid_to)
{%- endmacro %}

{# A literal date or timestamp becomes a timestamp; anything else is taken as a SQL expression. #}
{% macro instant(at) -%}
    {%- if at is string and modules.re.match('^\\d{4}-\\d{2}-\\d{2}([ T][0-9:.]+)?$', at) -%}
        cast('{{ at }}' as timestamp)
    {%- else -%}
        {{ at }}
    {%- endif -%}
{%- endmacro %}


{#
    as_known_at(relation, at): the rows of a history model (stg_<system>__<table>_history) that
    were valid at `at` - the state the warehouse knew at that instant, shaped like the
    current-state model: every column of stg_<system>__<table>, and not valid_from, valid_to or
    is_current (those tell what came after `at`). Built from the raw rows loaded up to `at`,
    stg_<system>__<table> gives exactly these rows (python/tests/test_point_in_time.py).

    In a model:

        accounts_known_on_june_30 as (
            {{ csops.as_known_at(ref('stg_crm__accounts_history'), '2026-06-30') }}
        ),

    Ad hoc: .venv/bin/dbt show --inline
        "{{ csops.as_known_at(ref('stg_crm__accounts_history'), '2026-06-30 12:00:00') }}"
    or in plain SQL on the warehouse (make sql), the same condition by hand:
        select * exclude (valid_from, valid_to, is_current) from staging.stg_crm__accounts_history
        where valid_from <= timestamp '2026-06-30' and (valid_to is null or valid_to > timestamp '2026-06-30')
#}
{% macro as_known_at(relation, at) %}
    select {{ csops.star_without_validity() }}
    from {{ relation }}
    where {{ csops.valid_at(at) }}
{% endmacro %}

{#
    current_versions(relation): the current row of every key of a history model, shaped like the
    current-state model - the whole body of stg_<system>__<table>.
#}
{% macro current_versions(relation) %}
    select {{ csops.star_without_validity() }}
    from {{ relation }}
    where is_current
{% endmacro %}

{# Every column but the three the history adds. #}
{% macro star_without_validity() %}
    {{ return(adapter.dispatch('star_without_validity', 'csops')()) }}
{% endmacro %}

{#- Databricks SQL's star with exceptions (untested: only DuckDB runs in CI). -#}
{% macro default__star_without_validity() -%}
    * except (valid_from, valid_to, is_current)
{%- endmacro %}

{% macro duckdb__star_without_validity() -%}
    * exclude (valid_from, valid_to, is_current)
{%- endmacro %}


{#
    known_by(known_before, alias): the condition "this version was the one known just before
    `known_before`" - loaded before it, and not yet replaced before it: valid_from < known_before
    <= valid_to (or valid_to null). The health score's day D is known before the midnight after D
    (int_health_score_dates.known_before_at), so a load at that midnight belongs to the next day;
    valid_at, for an instant, counts a load exactly at the instant as known.
#}
{% macro known_by(known_before, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {{ prefix }}valid_from < {{ known_before }}
    and ({{ prefix }}valid_to is null or {{ known_before }} <= {{ prefix }}valid_to)
{%- endmacro %}
