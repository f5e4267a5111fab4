{#
    The source systems a company may not have. Billing and CRM are always on (revenue and the
    customer are defined there); every other system has a var enable_<system> (rule in
    macros/validate_vars.sql). A switched-off system's sources, models, tests and unit tests are
    disabled by folder in dbt_project.yml; a model that reads several systems asks
    csops.system_enabled('<system>') before it reads one.
#}
{% macro optional_systems() %}
    {{ return(['product', 'support', 'surveys', 'cs_platform', 'community']) }}
{% endmacro %}

{% macro system_enabled(system) %}
    {%- if system in csops.optional_systems() -%}
        {{ return(csops.checked_var('enable_' ~ system)) }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}
