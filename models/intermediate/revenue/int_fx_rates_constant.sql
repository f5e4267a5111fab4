{#-
    Constant exchange rates for reporting: how many units of each currency one unit of the
    reporting currency (var reporting_currency) buys, on one day (var reporting_fx_rate_date,
    default the latest day in the fx table). Every amount in every month is converted at these
    rates, so exchange-rate swings never look like customers buying more or less.
    The reporting currency always converts to itself at 1, with or without rates: a company that
    bills only in its reporting currency needs no fx file (billing.fx_rates may be absent or
    empty). A currency in use without rates on that day stops the run before anything is built
    (csops.validate_vars_against_data), never drops revenue silently.
-#}

{%- set reporting_currency = csops.checked_var('reporting_currency') -%}

with

fx as (

    select * from {{ ref('stg_billing__fx_rates') }}
    where not is_invalid

),

fx_day as (

    {% if csops.checked_var('reporting_fx_rate_date') %}
        select cast('{{ csops.checked_var("reporting_fx_rate_date") }}' as date) as rate_date
    {% else %}
        select max(rate_date) as rate_date
        from fx
    {% endif %}

),

converted as (

    select
        fx.currency_code,
        fx_day.rate_date,
        fx.units_per_base / reporting.units_per_base as units_per_reporting_unit
    from fx
    inner join fx_day on fx.rate_date = fx_day.rate_date
    inner join fx as reporting
        on
            fx_day.rate_date = reporting.rate_date
            and reporting.currency_code = '{{ reporting_currency }}'

),

-- the reporting currency itself, at 1, when the fx table has no rate for it that day
reporting_itself as (

    select
        '{{ reporting_currency }}' as currency_code,
        fx_day.rate_date,
        cast(1 as decimal(18, 6)) as units_per_reporting_unit
    from fx_day
    where not exists (
            select 1 as is_found from converted
            where converted.currency_code = '{{ reporting_currency }}'
        )

),

final as (

    select * from converted
    union all
    select * from reporting_itself

)

select * from final
