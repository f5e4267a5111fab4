{#
    The values a company names its own things with (plan tiers, segments, currencies, billing
    intervals, ticket priorities and types, roles, picklists) are its configuration, kept in the
    seed company_vocabularies (one row per vocabulary and value), not our rules. This test lists
    the values of a column missing from its vocabulary; it warns (severity warn by default), so a
    company with a plan tier called 'basic' still gets its marts, and says which value to add to
    the seed. Values fixed by our own logic keep accepted_values at severity error.

    Apply on a column:  - csops.in_vocabulary: {arguments: {vocabulary: plan_tier}}
    extra_values: values our own logic adds to the vocabulary (e.g. 'all' for a segment coverage).
#}
{% test in_vocabulary(model, column_name, vocabulary, extra_values=[]) %}
    {{ config(severity='warn') }}

    with vocabulary as (

        select value from {{ ref('company_vocabularies') }}
        where vocabulary = '{{ vocabulary }}'

    ),

    column_values as (

        select
            cast({{ column_name }} as {{ dbt.type_string() }}) as value,
            count(*) as row_count
        from {{ model }}
        where {{ column_name }} is not null
        group by 1

    )

    select
        '{{ vocabulary }}' as vocabulary,
        column_values.value,
        column_values.row_count
    from column_values
    where
        column_values.value not in (select vocabulary.value from vocabulary)
        {%- for value in extra_values %}
            and column_values.value != '{{ value }}'
        {%- endfor %}
{% endtest %}
