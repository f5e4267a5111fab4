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

{#
    Why a row cannot be true in time: it says something happened after the row itself was
    exported. Give the row's timestamps of things that have already happened (created, started,
    occurred, submitted, attempted, solved ...); the first one later than the row's load time
    (`loaded_at`, default `_loaded_at`, set by the EL tool) gives '<column>_after_load', and null
    when none is. Never pass a date that may legitimately lie ahead: a period end, a due date, a
    trial end, a discount end, a scheduled pause or resumption, an expected close.
    No tolerance: every source stamps its rows before the EL tool loads them (clock skew between
    servers is far below the seconds these columns carry), whereas the errors this catches - a
    local time stored as UTC (up to 14 hours ahead), a mistyped year - are hours to years.
    (['created_at', 'started_at']) on started_at 2031-01-01, _loaded_at 2026-10-31 -> 'started_at_after_load'.
#}
{% macro timestamp_after_load_reason(columns, loaded_at='_loaded_at') -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("timestamp_after_load_reason takes a list of column names, got " ~ columns) }}
    {%- endif -%}
    case
        {%- for column in columns %}
            when {{ column }} > {{ loaded_at }} then '{{ column }}_after_load'
        {%- endfor %}
    end
{%- endmacro %}
