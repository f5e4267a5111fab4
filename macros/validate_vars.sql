{#
    Every var of dbt_project.yml and the values it accepts: the one home of these rules.

    - csops.validate_vars(), the first on-run-start hook, checks every var in every command that
      runs SQL (build, run, test, seed, snapshot) before anything is registered or built, and
      reports each bad var on one line: "var <name>: got <value>; allowed: <values>".
    - csops.validate_vars_against_data(), the hook after register_raw_sources, checks what only
      the raw data can tell: every currency a paid item is billed in can be converted to the
      reporting currency (on the day chosen, or at every service period's start).
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
      days           a whole number of days, 1 or more
      days_from_zero a whole number of days, 0 or more (an offset that may be none: a lead)
      group_size     a whole number, 5 or more (a minimum group size for an estimate)
      months         a whole number of months from 1 to 120
      month_list     a non-empty list of whole numbers of months from 1 to 120
      whole_number   a whole number, 0 or more (a seed)
      count          a whole number, 1 or more; null too when nullable
      probability    a number above 0 and below 1
      column_name    a lower-case column name; null too when nullable
      currency       an upper-case 3-letter currency code (against the raw data, after
                     registration: with rates in billing.fx_rates, or the one currency billed)
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
reporting_fx_method: {kind: choice, allowed: [constant_currency, period_start]}
revenue_as_of_date: {kind: date, nullable: true}
mrr_churn_recognition: {kind: choice, allowed: [end_of_period, cancellation]}
mrr_same_month_start_and_cancel: {kind: choice, allowed: [new_and_churn, ignore]}
mrr_zero_without_cancellation_is_churn: {kind: boolean}
mrr_paused_subscriptions: {kind: choice, allowed: [zero, keep]}
mrr_recognition_basis: {kind: choice, allowed: [paid_invoices, subscription_items]}
expose_personal_data: {kind: boolean, optional: true, default: false}
health_daily_window_days: {kind: days}
health_onboarding_days: {kind: days}
health_alert_drop_points: {kind: points}
feature_request_ticket_types: {kind: text_list}
feature_request_post_types: {kind: text_list}
play_effect_min_group_size: {kind: group_size}
journey_renewal_window_days: {kind: days}
journey_reactivated_days: {kind: days}
journey_expansion_lookback_days: {kind: days}
journey_expansion_opportunity_types: {kind: text_list}
ml_churn_window_days: {kind: days}
ml_churn_lead_days: {kind: days_from_zero}
ml_churn_seed: {kind: whole_number}
ml_churn_fold_step: {kind: count}
ml_churn_max_folds: {kind: count, nullable: true}
ml_churn_min_train_months: {kind: count}
ml_churn_split_by: {kind: column_name, nullable: true}
ml_churn_high_risk_probability: {kind: probability}
ml_churn_medium_risk_probability: {kind: probability}
ml_forecast_months: {kind: months}
ml_forecast_rate_window_months: {kind: months}
ml_forecast_backtest_horizons_months: {kind: month_list}
ml_forecast_sbg_min_cohort_customers: {kind: group_size}
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
            'currency': 'USD', 'schema_prefix': '', 'raw_folder': '.', 'days': 1, 'days_from_zero': 0, 'points': 1,
            'group_size': 5, 'whole_number': 0, 'count': 1, 'probability': 0.5, 'column_name': none, 'months': 1,
            'month_list': [1],
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
    What only the raw data can tell (hook after register_raw_sources), so that a missing exchange
    rate can never turn revenue to zero with every test passing. One line per problem:

    - reporting_currency: a currency with rates in billing.fx_rates, or the one currency billing
      bills in (a single-currency company needs no fx file: billing.fx_rates may be absent or
      empty, and the reporting currency converts to itself at 1);
    - every currency a paid item is billed in (the plan's currency of a subscription item with
      service after its trial, at a price above zero) other than the reporting currency needs
      rates, and so does the reporting currency then: with reporting_fx_method constant_currency
      on the conversion day (reporting_fx_rate_date, default the latest rate day), with
      period_start on or before every service period's start (the start of an invoice's period,
      or of the item's paid service) - the line names the currency, the first and last day
      without a rate and how many there are;
    - reporting_fx_rate_date: a day with rates for the reporting currency, when rates are needed.

    Skipped, with a log line, when the raw billing tables do not exist (raw_source_mode tables
    before the first load). Codes are compared as staging normalises them: trimmed, upper case.
#}
{% macro validate_vars_against_data() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set fx = source('billing', 'fx_rates') -%}
    {%- set plans = source('billing', 'plans') -%}
    {%- set items = source('billing', 'subscription_items') -%}
    {%- set subscriptions = source('billing', 'subscriptions') -%}
    {%- set invoices = source('billing', 'invoices') -%}
    {%- for relation in [fx, plans, items, subscriptions, invoices] -%}
        {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
            {{ log('vars: no raw ' ~ relation ~ ' yet; reporting_currency not checked against rates', info=true) }}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set currency = csops.checked_var('reporting_currency') -%}
    {%- set rate_date = csops.checked_var('reporting_fx_rate_date') -%}
    {%- set method = csops.checked_var('reporting_fx_method') -%}
    {%- set rates = run_query(
        'select upper(trim(quote_currency)) as currency_code,'
        ~ ' cast(min(rate_date) as ' ~ dbt.type_string() ~ ') as first_rate_date,'
        ~ ' cast(max(rate_date) as ' ~ dbt.type_string() ~ ') as last_rate_date'
        ~ ' from ' ~ fx ~ ' where rate > 0 group by upper(trim(quote_currency)) order by 1'
    ) -%}
    {%- set codes = rates.columns[0].values() | list -%}
    {#- the service periods of paid items, by currency: the days a rate is needed for (period_start) -#}
    {%- set paid_items_sql -%}
        select
            upper(trim(p.currency)) as currency_code,
            i.subscription_id,
            i.plan_id,
            greatest(i.started_at, coalesce(s.trial_end, i.started_at)) as paid_from,
            i.ended_at
        from {{ items }} as i
        inner join {{ plans }} as p on i.plan_id = p.id
        left join {{ subscriptions }} as s on i.subscription_id = s.id
        where
            coalesce(i.unit_amount, 0) > 0 and coalesce(i.quantity, 0) > 0
            and (i.ended_at is null or i.ended_at > greatest(i.started_at, coalesce(s.trial_end, i.started_at)))
    {%- endset -%}
    {%- set used = run_query(
        "select currency_code, count(*), string_agg(distinct plan_id, ', ' order by plan_id)"
        ~ ' from (' ~ paid_items_sql ~ ') group by currency_code order by 1'
    ) -%}
    {%- set used_codes = used.columns[0].values() | list -%}
    {%- set needing = [] -%}
    {%- for code in used_codes if code != currency -%}
        {%- do needing.append(code) -%}
    {%- endfor -%}
    {%- if currency not in codes and currency not in used_codes and (codes or used_codes) -%}
        {#- an unknown code: no rates, and nothing is billed in it -#}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency: got '" ~ currency ~ "'; allowed: a currency with rates in billing.fx_rates: "
            ~ (codes | join(', ') if codes else 'none (no rates)')
            ~ (' (or ' ~ used_codes[0] ~ ', the one currency billed)' if used_codes | length == 1 else '')) }}
    {%- elif needing and not codes -%}
        {{ exceptions.raise_compiler_error(
            'billing.fx_rates: no rates (the table is absent or empty), but paid items are billed in '
            ~ needing | join(', ') ~ ' besides the reporting currency ' ~ currency ~ '; add their rates (only a '
            ~ 'company billing in its reporting currency alone needs no fx file)') }}
    {%- elif needing and currency not in codes -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency: got '" ~ currency ~ "'; allowed: a currency with rates in billing.fx_rates: "
            ~ codes | join(', ') ~ ' (' ~ needing | join(', ') ~ ' must be converted to it)') }}
    {%- endif -%}
    {%- if not needing -%}
        {#- everything is billed in the reporting currency: no rates needed, any rate day will do -#}
        {%- if rate_date is not none and currency in codes -%}
            {%- set row = rates.rows[codes.index(currency)] -%}
            {%- if rate_date | string < row[1] or rate_date | string > row[2] -%}
                {{ exceptions.raise_compiler_error(
                    "var reporting_fx_rate_date: got '" ~ rate_date ~ "'; allowed: null or a day with "
                    ~ currency ~ " rates in billing.fx_rates (" ~ row[1] ~ " to " ~ row[2] ~ ")") }}
            {%- endif -%}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- if method == 'constant_currency' -%}
        {%- set day_sql = ("cast('" ~ rate_date ~ "' as date)") if rate_date is not none
            else ('(select max(rate_date) from ' ~ fx ~ ')') -%}
        {%- set on_day = run_query(
            'select distinct upper(trim(quote_currency)) from ' ~ fx
            ~ ' where rate > 0 and cast(rate_date as date) = ' ~ day_sql
        ).columns[0].values() | list -%}
        {%- set day = run_query('select cast(' ~ day_sql ~ ' as ' ~ dbt.type_string() ~ ')').columns[0].values()[0] -%}
        {%- if currency not in on_day -%}
            {%- if currency in codes -%}
                {%- set row = rates.rows[codes.index(currency)] -%}
                {%- set span = currency ~ ' rates in billing.fx_rates (' ~ row[1] ~ ' to ' ~ row[2] ~ ')' -%}
            {%- else -%}
                {%- set span = currency ~ ' rates in billing.fx_rates (there are none)' -%}
            {%- endif -%}
            {#- one line: without the reporting currency's rate that day nothing converts -#}
            {{ exceptions.raise_compiler_error("var reporting_fx_rate_date: got " ~ ("'" ~ rate_date ~ "'" if rate_date is not none
                else "null (the latest rate day, " ~ day ~ ")") ~ "; allowed: null or a day with " ~ span) }}
        {%- endif -%}
        {%- for row in used.rows if row[0] != currency and row[0] not in on_day -%}
            {%- do problems.append('billing.fx_rates: no ' ~ row[0] ~ ' rate on ' ~ (day or 'any day (the table is empty)')
                ~ ', the day every month is converted at (reporting_fx_method constant_currency; missing from '
                ~ (day or 'none') ~ ' to ' ~ (day or 'none') ~ ', 1 day); ' ~ row[0] ~ ' is billed by ' ~ row[1]
                ~ ' paid subscription item(s) of plan(s) ' ~ row[2] ~ '. Add ' ~ row[0]
                ~ ' rates for that day or set reporting_fx_rate_date to a day that has them') -%}
        {%- endfor -%}
    {%- else -%}
        {#- period_start: a rate on or before each service period's start (the latest rate then) -#}
        {%- set missing = run_query(
            'with paid as (' ~ paid_items_sql ~ '),'
            ~ ' starts as ('
            ~ '   select paid.currency_code, cast(' ~ csops.epoch_to_utc('paid.paid_from') ~ ' as date) as start_date from paid'
            ~ '   union select paid.currency_code, cast(' ~ csops.epoch_to_utc('v.period_start') ~ ' as date) from paid'
            ~ '   inner join ' ~ invoices ~ ' as v on v.subscription_id = paid.subscription_id'
            ~ '   where v.period_start >= paid.paid_from and (paid.ended_at is null or v.period_start < paid.ended_at)),'
            ~ ' needed as ('
            ~ "   select currency_code, start_date from starts where currency_code != '" ~ currency ~ "'"
            ~ "   union select '" ~ currency ~ "', start_date from starts where currency_code != '" ~ currency ~ "'),"
            ~ ' first_rates as ('
            ~ '   select upper(trim(quote_currency)) as currency_code, min(cast(rate_date as date)) as first_rate_date'
            ~ '   from ' ~ fx ~ ' where rate > 0 group by 1)'
            ~ ' select needed.currency_code, cast(min(needed.start_date) as ' ~ dbt.type_string() ~ '),'
            ~ ' cast(max(needed.start_date) as ' ~ dbt.type_string() ~ '), count(*),'
            ~ ' cast(min(first_rates.first_rate_date) as ' ~ dbt.type_string() ~ ')'
            ~ ' from needed left join first_rates on needed.currency_code = first_rates.currency_code'
            ~ ' where first_rates.first_rate_date is null or needed.start_date < first_rates.first_rate_date'
            ~ ' group by needed.currency_code order by 1'
        ) -%}
        {%- for row in missing.rows -%}
            {%- do problems.append('billing.fx_rates: no ' ~ row[0] ~ ' rate on or before ' ~ row[3]
                ~ ' service period start(s) (reporting_fx_method period_start): missing from ' ~ row[1] ~ ' to ' ~ row[2]
                ~ '; first ' ~ row[0] ~ ' rate ' ~ (row[4] or 'none') ~ '. Add ' ~ row[0]
                ~ ' rates from ' ~ row[1] ~ ', or use reporting_fx_method constant_currency') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join('\n')) }}
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
    {%- elif kind == 'days' -%}
        {%- set ok = value is integer and value is not boolean and value >= 1 -%}
        {%- set allowed = 'a whole number of days, 1 or more' -%}
    {%- elif kind == 'days_from_zero' -%}
        {%- set ok = value is integer and value is not boolean and value >= 0 -%}
        {%- set allowed = 'a whole number of days, 0 or more' -%}
    {%- elif kind == 'whole_number' -%}
        {%- set ok = value is integer and value is not boolean and value >= 0 -%}
        {%- set allowed = 'a whole number, 0 or more' -%}
    {%- elif kind == 'count' -%}
        {%- set ok = (rule.get('nullable') and value is none) or (value is integer and value is not boolean and value >= 1) -%}
        {%- set allowed = ('null or ' if rule.get('nullable') else '') ~ 'a whole number, 1 or more' -%}
    {%- elif kind == 'column_name' -%}
        {%- set ok = (rule.get('nullable') and value is none) or (value is string and re.fullmatch('[a-z_][a-z0-9_]*', value)) -%}
        {%- set allowed = ('null or ' if rule.get('nullable') else '') ~ 'a lower-case column name, e.g. billing_interval_months' -%}
    {%- elif kind == 'probability' -%}
        {%- set ok = value is number and value is not boolean and value > 0 and value < 1 -%}
        {%- set allowed = 'a probability above 0 and below 1, e.g. 0.25' -%}
    {%- elif kind == 'group_size' -%}
        {%- set ok = value is integer and value is not boolean and value >= 5 -%}
        {%- set allowed = 'a whole number of assignments, 5 or more' -%}
    {%- elif kind == 'months' -%}
        {%- set ok = value is integer and value is not boolean and 1 <= value <= 120 -%}
        {%- set allowed = 'a whole number of months from 1 to 120' -%}
    {%- elif kind == 'month_list' -%}
        {%- set list_check = namespace(ok=value is sequence and value is not string and value is not mapping and value | length > 0) -%}
        {%- if list_check.ok -%}
            {%- for item in value -%}
                {%- if not (item is integer and item is not boolean and 1 <= item <= 120) -%}
                    {%- set list_check.ok = false -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set ok = list_check.ok -%}
        {%- set allowed = 'a non-empty list of whole numbers of months from 1 to 120, e.g. [3, 6, 12]' -%}
    {%- elif kind == 'points' -%}
        {%- set ok = value is number and value is not boolean and value > 0 and value <= 100 -%}
        {%- set allowed = 'a number of score points above 0 and at most 100' -%}
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
