{#
    The rules that flag a staged record, each written once and used by every staging model that
    needs it, so "a valid email" or "an internal test account" means the same in every system.
#}

{#
    Why an email address cannot be used, or null when it can: 'missing_email' when there is none,
    'malformed_email' unless it reads name@domain.tld. Pass the normalised email
    (csops.normalize_email). 'ann@acme.com' -> null, 'ann@acme' -> 'malformed_email'.
#}
{% macro email_invalid_reason(email_column) -%}
    case
        when {{ email_column }} is null then 'missing_email'
        when not ({{ email_column }} like '%_@_%._%') then 'malformed_email'
    end
{%- endmacro %}

{#
    An internal test account: its domain is one of our own (var internal_domains) or, where the
    record has a name, the name matches a test-account pattern (var test_account_name_patterns).
#}
{% macro is_internal_test_account(domain_column, name_column=none) -%}
    (
        {{ csops.is_internal_domain(domain_column) }}
        {%- if name_column %}
        or {{ csops.is_test_account_name(name_column) }}
        {%- endif %}
    )
{%- endmacro %}
