{#
    Fails for every non-null value outside [min_value, max_value] (like dbt_utils.accepted_range).
    Either bound may be omitted; inclusive: false makes both bounds strict.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {{ return(adapter.dispatch('test_accepted_range', 'csops')(model, column_name, min_value, max_value, inclusive)) }}
{% endtest %}

{% macro default__test_accepted_range(model, column_name, min_value, max_value, inclusive) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("accepted_range on " ~ column_name ~ " needs min_value, max_value or both") }}
    {%- endif %}
    select *
    from {{ model }}
    where
        {{ column_name }} is not null
        and not (
            1 = 1
            {%- if min_value is not none %}
            and {{ column_name }} {{ '>=' if inclusive else '>' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            and {{ column_name }} {{ '<=' if inclusive else '<' }} {{ max_value }}
            {%- endif %}
        )
{% endmacro %}
