{#
    Layers land in schemas named after them (staging, intermediate, marts, data_quality) rather
    than dbt's default "<target schema>_<custom schema>", so BI tools see stable names.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
