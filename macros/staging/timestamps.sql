{#
    Timestamps arrive three ways: ISO-8601 text with a UTC offset (CRM, support, surveys,
    CS platform), integer epoch seconds (billing) and UTC timestamps (product, community).
    Staging turns all of them into UTC timestamps without a time zone, named <event>_at.
#}

{# '2025-03-04T10:00:00+09:00' -> 2025-03-04 01:00:00 (UTC). #}
{% macro iso_to_utc(column) %}
    {{- return(adapter.dispatch('iso_to_utc', 'csops')(column)) -}}
{% endmacro %}

{% macro default__iso_to_utc(column) -%}
    {#- Spark parses the offset; the profile pins the session time zone to UTC. -#}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro duckdb__iso_to_utc(column) -%}
    cast(cast({{ column }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}

{# 1700000000 -> 2023-11-14 22:13:20 (UTC). #}
{% macro epoch_to_utc(column) %}
    {{- return(adapter.dispatch('epoch_to_utc', 'csops')(column)) -}}
{% endmacro %}

{% macro default__epoch_to_utc(column) -%}
    timestamp_seconds({{ column }})
{%- endmacro %}

{% macro duckdb__epoch_to_utc(column) -%}
    make_timestamp(cast({{ column }} as bigint) * 1000000)
{%- endmacro %}

{#
    Whole minutes elapsed between two timestamps (floor of the seconds / 60), null if either is
    null. dbt.datediff('minute') counts minute boundaries crossed instead, which calls 10:00:59 to
    10:01:00 a minute; an SLA clock must not.
#}
{% macro minutes_between(start_column, end_column) %}
    {{- return(adapter.dispatch('minutes_between', 'csops')(start_column, end_column)) -}}
{% endmacro %}

{% macro default__minutes_between(start_column, end_column) -%}
    cast(floor((unix_timestamp({{ end_column }}) - unix_timestamp({{ start_column }})) / 60) as bigint)
{%- endmacro %}

{% macro duckdb__minutes_between(start_column, end_column) -%}
    cast(floor((epoch({{ end_column }}) - epoch({{ start_column }})) / 60) as bigint)
{%- endmacro %}
