{#
    A stable key from several columns: md5 of the values cast to text, joined by '-', with
    nulls replaced by a placeholder so that (null, 'a') and ('', 'a') differ. Behaves like
    dbt_utils.generate_surrogate_key (same separator and placeholder), so keys match theirs.
#}
{% macro generate_surrogate_key(field_list) %}
    {{ return(adapter.dispatch('generate_surrogate_key', 'csops')(field_list)) }}
{% endmacro %}

{% macro default__generate_surrogate_key(field_list) %}
    {%- if field_list is string or field_list | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "generate_surrogate_key expects a non-empty list of column expressions, got: " ~ field_list) }}
    {%- endif -%}
    {%- set default_null_value = var('surrogate_key_treat_nulls_as_empty_strings', false)
        | as_bool and "''" or "'_dbt_utils_surrogate_key_null_'" -%}
    {%- set fields = [] -%}
    {%- for field in field_list -%}
        {%- do fields.append(
            "coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), " ~ default_null_value ~ ")"
        ) -%}
        {%- if not loop.last %}{% do fields.append("'-'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
{% endmacro %}
