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
