{#
    One row per `datepart` from start_date (inclusive) to end_date (exclusive), in a column
    named date_<datepart>, like dbt_utils.date_spine. Start and end are SQL expressions.
#}
{% macro date_spine(datepart, start_date, end_date) %}
    {{ return(adapter.dispatch('date_spine', 'csops')(datepart, start_date, end_date)) }}
{% endmacro %}

{% macro default__date_spine(datepart, start_date, end_date) %}
    {%- if datepart not in ['day', 'week', 'month', 'quarter', 'year'] -%}
        {{ exceptions.raise_compiler_error("date_spine: datepart must be day, week, month, quarter or year, got " ~ datepart) }}
    {%- endif %}
    select date_{{ datepart }}
    from (
        select
            cast({{ dbt.dateadd(datepart, 'step_number', start_date) }} as date) as date_{{ datepart }}
        from (
            select row_number() over (order by step) - 1 as step_number
            from ({{ csops.generate_series_upper_bound(datepart, start_date, end_date) }}) as steps
        ) as numbered
    ) as spine
    where date_{{ datepart }} < cast({{ end_date }} as date)
{% endmacro %}

{# A relation with at least as many rows as there are steps between two dates. #}
{% macro generate_series_upper_bound(datepart, start_date, end_date) %}
    {{ return(adapter.dispatch('generate_series_upper_bound', 'csops')(datepart, start_date, end_date)) }}
{% endmacro %}

{% macro default__generate_series_upper_bound(datepart, start_date, end_date) %}
    select explode(sequence(0, {{ dbt.datediff(start_date, end_date, datepart) }})) as step
{% endmacro %}

{% macro duckdb__generate_series_upper_bound(datepart, start_date, end_date) %}
    select unnest(range(0, {{ dbt.datediff(start_date, end_date, datepart) }} + 1)) as step
{% endmacro %}
