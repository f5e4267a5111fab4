{#
    A text column holding personal data (an email address, a comment someone wrote), as a mart
    shows it: the value when var expose_personal_data is true, else null. Staging keeps the raw
    value for the models that need it; marts go through this macro, so one var opens or closes
    every mart. The var is a YAML boolean, checked by csops.checked_var.

        {{ csops.personal_data('responses.nps_comment') }} as nps_comment,
#}
{% macro personal_data(expression) -%}
    {%- if csops.checked_var('expose_personal_data') -%}
        {{ expression }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
