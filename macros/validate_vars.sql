{#
    Every var of dbt_project.yml and the values it accepts: the one home of these rules.

    - csops.validate_vars(), the first on-run-start hook, checks every var in every command that
      runs SQL (build, run, test, seed, snapshot) before anything is registered or built, and
      reports each bad var on one line: "var <name>: got <value>; allowed: <values>".
    - csops.validate_vars_against_data(), the hook after register_raw_sources, checks what only
      the raw data can tell: the reporting currency has exchange rates, and so has the day chosen
      to convert at.
    - A model or macro that branches on a var or loops over it reads it with
      csops.checked_var('<name>'), which applies the same rule where the var is used: in
      dbt compile and docs generate too (which run no hooks), and in unit tests that set vars.

    Kinds of var:
      choice         one of `allowed`
      boolean        true or false as YAML booleans. The strings 'true' and 'false' (a quoted
                     --vars value, or a var rendered from env_var) are rejected: Jinja takes every
                     non-empty string as true, so a quoted 'false' would quietly act as true.
      date           a date YYYY-MM-DD that exists (quoted or not); null too when nullable
      text_list      a list of non-empty strings (may be empty)
      currency_list  a list of upper-case 3-letter currency codes
      hours          a whole number, 0 or more
      currency       an upper-case 3-letter currency code with rates in the raw billing.fx_rates
      schema_prefix  letters, digits and underscores, possibly none
      raw_folder     a folder path; on DuckDB with raw_source_mode parquet it must hold
                     <system>/<table>.parquet files or <system>/<table>/ folders of them
    optional: a var dbt_project.yml need not define; checked when set, `default` when not.

    python/tests/test_var_validation.py reads the YAML below to prove that every var of
    dbt_project.yml has a rule here and that the README names the same choices.
#}
{% macro var_rules() %}
    {%- set rules_yaml -%}
raw_data_path: {kind: raw_folder}
raw_source_mode: {kind: choice, allowed: [parquet, tables]}
raw_schema_prefix: {kind: schema_prefix}
enable_product: {kind: boolean}
enable_support: {kind: boolean}
enable_surveys: {kind: boolean}
enable_cs_platform: {kind: boolean}
enable_community: {kind: boolean}
internal_domains: {kind: text_list}
test_account_name_patterns: {kind: text_list}
zero_decimal_currencies: {kind: currency_list}
late_event_threshold_hours: {kind: hours}
event_reload_lookback_hours: {kind: hours}
reporting_currency: {kind: currency}
reporting_fx_rate_date: {kind: date, nullable: true}
revenue_as_of_date: {kind: date, nullable: true}
mrr_churn_recognition: {kind: choice, allowed: [end_of_period, cancellation]}
mrr_same_month_start_and_cancel: {kind: choice, allowed: [new_and_churn, ignore]}
mrr_zero_without_cancellation_is_churn: {kind: boolean}
mrr_paused_subscriptions: {kind: choice, allowed: [zero, keep]}
mrr_recognition_basis: {kind: choice, allowed: [paid_invoices, subscription_items]}
expose_personal_data: {kind: boolean, optional: true, default: false}
    {%- endset -%}
    {{ return(fromyaml(rules_yaml)) }}
{% endmacro %}


{#
    The value of a var after its rule is checked; raises the one-line message when it breaks it.
    While dbt parses the project (execute is false) a bad value is replaced by a harmless one of
    its kind instead, so parsing gets through and the run-start check reports every bad var at
    once; nothing is ever run with the stand-in.
#}
{% macro checked_var(name) %}
    {%- set rules = csops.var_rules() -%}
    {%- if name not in rules -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " has no rule in macros/validate_vars.sql (csops.var_rules); add one") }}
    {%- endif -%}
    {%- set rule = rules[name] -%}
    {%- set value = csops.var_value(name, rule) -%}
    {%- set problem = csops.var_problem(name, value, rule) -%}
    {%- if problem and execute -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- elif problem -%}
        {%- set stand_ins = {
            'boolean': false, 'date': none, 'text_list': [], 'currency_list': [], 'hours': 0,
            'currency': 'USD', 'schema_prefix': '', 'raw_folder': '.',
        } -%}
        {{ return(rule.allowed[0] if rule.kind == 'choice' else stand_ins[rule.kind]) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{# A var's value; an optional var that is not set takes its rule's default. #}
{% macro var_value(name, rule) %}
    {%- if rule.get('optional') -%}
        {{ return(var(name, rule.get('default'))) }}
    {%- endif -%}
    {{ return(var(name)) }}
{% endmacro %}


{# Run-start check of every var (first on-run-start hook); all bad vars are reported at once. #}
{% macro validate_vars() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rules = csops.var_rules() -%}
    {%- set problems = [] -%}
    {%- for name, rule in rules.items() -%}
        {%- set value = csops.var_value(name, rule) -%}
        {%- set problem = csops.var_problem(name, value, rule) -%}
        {%- if not problem and rule.kind == 'raw_folder' and var('raw_source_mode') == 'parquet' -%}
            {%- set problem = csops.raw_folder_problem(name, value) -%}
        {%- endif -%}
        {%- if problem -%}
            {%- do problems.append(problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join('\n')) }}
    {%- endif -%}
    {{ log('vars checked: ' ~ rules | length ~ ' rules (macros/validate_vars.sql)') }}
    {{ return('') }}
{% endmacro %}


{#
    What only the raw data can tell (hook after register_raw_sources): the reporting currency has
    rates in billing.fx_rates (a currency without rates would drop every amount from revenue), and
    so has reporting_fx_rate_date when it is set. Skipped, with a log line, when the raw table
    does not exist (raw_source_mode tables before the first load). Currency codes are compared as
    stg_billing__fx_rates stages them: trimmed and upper-cased.
#}
{% macro validate_vars_against_data() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set fx = source('billing', 'fx_rates') -%}
    {%- if adapter.get_relation(database=fx.database, schema=fx.schema, identifier=fx.identifier) is none -%}
        {{ log('vars: no raw billing.fx_rates (' ~ fx ~ ') yet; reporting_currency not checked against rates', info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set currency = csops.checked_var('reporting_currency') -%}
    {%- set rate_date = csops.checked_var('reporting_fx_rate_date') -%}
    {%- set rates = run_query(
        'select upper(trim(quote_currency)) as currency_code,'
        ~ ' cast(min(rate_date) as ' ~ dbt.type_string() ~ ') as first_rate_date,'
        ~ ' cast(max(rate_date) as ' ~ dbt.type_string() ~ ') as last_rate_date'
        ~ ' from ' ~ fx ~ ' group by upper(trim(quote_currency)) order by 1'
    ) -%}
    {%- set codes = rates.columns[0].values() | list -%}
    {%- if currency not in codes -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency: got '" ~ currency ~ "'; allowed: a currency with rates in billing.fx_rates: "
            ~ (codes | join(', ') if codes else 'none (the table is empty)')) }}
    {%- endif -%}
    {%- if rate_date is not none -%}
        {%- set found = run_query(
            'select count(*) from ' ~ fx
            ~ " where cast(rate_date as date) = cast('" ~ rate_date ~ "' as date)"
            ~ " and upper(trim(quote_currency)) = '" ~ currency ~ "'"
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {%- set row = rates.rows[codes.index(currency)] -%}
            {{ exceptions.raise_compiler_error(
                "var reporting_fx_rate_date: got '" ~ rate_date ~ "'; allowed: null or a day with "
                ~ currency ~ " rates in billing.fx_rates (" ~ row[1] ~ " to " ~ row[2] ~ ")") }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{# The one-line message for a value that breaks its rule, or '' when it is fine. #}
{% macro var_problem(name, value, rule) %}
    {%- set kind = rule.kind -%}
    {%- set re = modules.re -%}
    {%- set ok = false -%}
    {%- if kind == 'choice' -%}
        {%- set ok = value is string and value in rule.allowed -%}
        {%- set allowed = rule.allowed | join(', ') -%}
    {%- elif kind == 'boolean' -%}
        {%- set ok = value is boolean -%}
        {%- set allowed = 'true, false (YAML booleans, unquoted)' -%}
    {%- elif kind == 'date' -%}
        {%- set ok = (rule.get('nullable') and value is none) or csops.is_iso_date(value) -%}
        {%- set allowed = ('null or ' if rule.get('nullable') else '') ~ 'a date YYYY-MM-DD' -%}
    {%- elif kind in ('text_list', 'currency_list') -%}
        {%- set pattern = '[A-Z]{3}' if kind == 'currency_list' else '.*[^ ].*' -%}
        {%- set list_check = namespace(ok=value is sequence and value is not string and value is not mapping) -%}
        {%- if list_check.ok -%}
            {%- for item in value -%}
                {%- if not (item is string and re.fullmatch(pattern, item)) -%}
                    {%- set list_check.ok = false -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set ok = list_check.ok -%}
        {%- set allowed = "a list of upper-case 3-letter currency codes, e.g. ['JPY', 'KRW']"
            if kind == 'currency_list' else "a list of non-empty strings, e.g. ['a', 'b']" -%}
    {%- elif kind == 'hours' -%}
        {%- set ok = value is integer and value >= 0 -%}
        {%- set allowed = 'a whole number of hours, 0 or more' -%}
    {%- elif kind == 'currency' -%}
        {%- set ok = value is string and re.fullmatch('[A-Z]{3}', value) -%}
        {%- set allowed = 'an upper-case 3-letter currency code, e.g. USD' -%}
    {%- elif kind == 'schema_prefix' -%}
        {%- set ok = value is string and re.fullmatch('[A-Za-z0-9_]*', value) -%}
        {%- set allowed = 'letters, digits and underscores, e.g. raw_' -%}
    {%- elif kind == 'raw_folder' -%}
        {%- set ok = value is string and value | trim != '' -%}
        {%- set allowed = 'the path of a folder of <system>/<table>.parquet files' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ ": unknown kind '" ~ kind ~ "' in csops.var_rules") }}
    {%- endif -%}
    {%- if ok -%}
        {{ return('') }}
    {%- endif -%}
    {{ return('var ' ~ name ~ ': got ' ~ csops.var_repr(value) ~ '; allowed: ' ~ allowed) }}
{% endmacro %}


{# True for a date object or a string YYYY-MM-DD naming a day that exists (not 2026-02-30). #}
{% macro is_iso_date(value) %}
    {%- if value is none or value is boolean or value is number -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', value | string) -%}
    {%- if not parts -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set year, month, day = parts.group(1) | int, parts.group(2) | int, parts.group(3) | int -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(year >= 1 and 1 <= month <= 12 and 1 <= day <= month_days[month - 1]) }}
{% endmacro %}


{# A var's value as it would be written in YAML: 'text', null, true, 3, ['a', 'b']. #}
{% macro var_repr(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is string -%}
        {{ return("'" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | string) }}
{% endmacro %}


{# On DuckDB, the raw folder must hold Parquet files in <system>/<table>.parquet. #}
{% macro raw_folder_problem(name, path) %}
    {{ return(adapter.dispatch('raw_folder_problem', 'csops')(name, path)) }}
{% endmacro %}

{% macro default__raw_folder_problem(name, path) %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__raw_folder_problem(name, path) %}
    {%- set pattern = (path | replace('\\', '/')) ~ '/*/**/*.parquet' -%}
    {%- set files = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')")
        .columns[0].values()[0] -%}
    {%- if files == 0 -%}
        {{ return('var ' ~ name ~ ": got '" ~ path ~ "' (no <system>/<table>.parquet files or folders of them there); allowed: "
            ~ 'the path of a folder of raw Parquet files (set CSOPS_RAW_DIR, or raw_source_mode: tables)') }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
