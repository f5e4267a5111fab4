{#-
    Constant exchange rates for reporting: how many units of each currency one unit of the
    reporting currency (var reporting_currency) buys, on one day (var reporting_fx_rate_date,
    default the latest day in the fx table). Every amount in every month is converted at these
    rates, so exchange-rate swings never look like customers buying more or less.
-#}

with

fx as (

    select * from {{ ref('stg_billing__fx_rates') }}

),

fx_day as (

    {% if csops.checked_var('reporting_fx_rate_date') %}
        select cast('{{ csops.checked_var("reporting_fx_rate_date") }}' as date) as rate_date
    {% else %}
        select max(rate_date) as rate_date
        from fx
    {% endif %}

),

final as (

    select
        fx.currency_code,
        fx_day.rate_date,
        fx.units_per_base / reporting.units_per_base as units_per_reporting_unit
    from fx
    inner join fx_day on fx.rate_date = fx_day.rate_date
    inner join fx as reporting
        on
            fx_day.rate_date = reporting.rate_date
            and reporting.currency_code = '{{ csops.checked_var("reporting_currency") }}'

)

select * from final
