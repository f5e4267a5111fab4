{#
    Fails for every row where the expression is not true (like dbt_utils.expression_is_true).
    Apply on a model:   - csops.expression_is_true: {arguments: {expression: "amount_paid <= amount_due"}}
    or on a column:     - csops.expression_is_true: {arguments: {expression: ">= 0"}}  (the column is prefixed)
#}
{% test expression_is_true(model, expression, column_name=none) %}
    {{ return(adapter.dispatch('test_expression_is_true', 'csops')(model, expression, column_name)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression, column_name) %}
    select *
    from {{ model }}
    where not (
        {%- if column_name is none %} {{ expression }} {% else %} {{ column_name }} {{ expression }} {% endif -%}
    )
{% endmacro %}
