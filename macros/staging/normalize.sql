{# Normalisation rules shared by every staging model. #}

{# Emails: trimmed and lower-cased; an empty string is a missing email. #}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{# The domain of an email address (after the last @), or null. #}
{% macro email_domain(column) -%}
    nullif(regexp_extract({{ csops.normalize_email(column) }}, '@([^@]+)$', 1), '')
{%- endmacro %}

{#
    Domains and websites: lower-cased and trimmed, without scheme, "www." or any path.
    ' HTTPS://www.Acme.com/about ' -> 'acme.com'.
#}
{% macro normalize_domain(column) -%}
    nullif(
        regexp_replace(
            regexp_replace(lower(trim({{ column }})), '^(https?://)?(www\.)?', ''),
            '/.*$', ''
        ),
        ''
    )
{%- endmacro %}

{# True when a domain belongs to our own company (var internal_domains): a test account. #}
{% macro is_internal_domain(domain_expression) -%}
    coalesce({{ domain_expression }} in (
        {%- for d in csops.checked_var('internal_domains') %}'{{ d | lower }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    ), false)
{%- endmacro %}

{# True when a name matches one of the test-account patterns (var test_account_name_patterns). #}
{% macro is_test_account_name(column) -%}
    coalesce(
        {%- for p in csops.checked_var('test_account_name_patterns') %}
        lower({{ column }}) like '{{ p | lower }}'{% if not loop.last %} or{% endif %}
        {%- endfor %}, false)
{%- endmacro %}

{# Picklist labels ('Mid-Market', 'Closed Won') as snake_case codes ('mid_market', 'closed_won'). #}
{% macro to_snake_code(column) -%}
    nullif({{ csops.regexp_replace_all('lower(trim(' ~ column ~ '))', '[^a-z0-9]+', '_') }}, '')
{%- endmacro %}

{# Replace every match of a pattern (Spark replaces all by default, DuckDB needs the 'g' flag). #}
{% macro regexp_replace_all(expression, pattern, replacement) %}
    {{- return(adapter.dispatch('regexp_replace_all', 'csops')(expression, pattern, replacement)) -}}
{% endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#
    Company names comparable across systems: lower case, without anything in parentheses,
    punctuation or legal forms. 'ACME Data, Inc.' / 'Acme Data GmbH' / 'Acme Data (old)' -> 'acme data'.
#}
{% macro normalize_company_name(column) -%}
    nullif(trim({{ csops.regexp_replace_all(
        csops.regexp_replace_all(
            csops.regexp_replace_all('lower(' ~ column ~ ')', '\\([^)]*\\)|[^a-z0-9 ]', ' '),
            '\\b(inc|llc|corp|gmbh|sa|bv|ltd|kk|k|co|plc|ag)\\b', ' '
        ),
        ' +', ' '
    ) }}), '')
{%- endmacro %}
