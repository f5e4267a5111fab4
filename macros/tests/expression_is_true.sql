{#
    Fails for every row where the expression is not true (like dbt_utils.expression_is_true).
    Apply on a model:   - csops.expression_is_true: {expression: "amount_paid <= amount_due"}
    or on a column:     - csops.expression_is_true: {expression: ">= 0"}  (the column is prefixed)
#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not (
        {%- if column_name is none %} {{ expression }} {% else %} {{ column_name }} {{ expression }} {% endif -%}
    )
{% endtest %}
