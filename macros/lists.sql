{#
    A list var of text values (feature request types, journey expansion opportunity types) (kind text_list in csops.var_rules) as the inside of an SQL IN list:
    'a', 'b' with quotes doubled; an empty list gives null, so `x in (null)` matches nothing.

        where ticket_type in ({{ csops.quoted_list(csops.checked_var('feature_request_ticket_types')) }})
#}
{% macro quoted_list(values) -%}
    {%- if values | length == 0 -%}
        null
    {%- else -%}
        {%- for value in values -%}
            '{{ value | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
