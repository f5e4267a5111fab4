{#-
    Every day's exchange rates, for reporting_fx_method = period_start: how many units of each
    currency one unit of the reporting currency (var reporting_currency) buys on rate_date, valid
    until the next rate day of that currency (next_rate_date, exclusive; null = still valid). A
    service period is converted at the latest rate on or before its start, so weekends and
    holidays without rates take the last rate before them. The reporting currency converts to
    itself at 1 on every day (rate_date and next_rate_date null), with or without an fx file.
-#}

{%- set reporting_currency = csops.checked_var('reporting_currency') -%}

with

fx as (

    select * from {{ ref('stg_billing__fx_rates') }}
    where not is_invalid

),

converted as (

    select
        fx.currency_code,
        fx.rate_date,
        fx.units_per_base / reporting.units_per_base as units_per_reporting_unit
    from fx
    inner join fx as reporting
        on
            fx.rate_date = reporting.rate_date
            and reporting.currency_code = '{{ reporting_currency }}'
    where fx.currency_code != '{{ reporting_currency }}'

),

final as (

    select
        {{ csops.generate_surrogate_key(['currency_code', 'rate_date']) }} as fx_rate_day_id,
        currency_code,
        rate_date,
        lead(rate_date) over (partition by currency_code order by rate_date) as next_rate_date,
        units_per_reporting_unit
    from converted

    union all

    select
        {{ csops.generate_surrogate_key(["'" ~ reporting_currency ~ "'", 'null']) }} as fx_rate_day_id,
        '{{ reporting_currency }}' as currency_code,
        cast(null as date) as rate_date,
        cast(null as date) as next_rate_date,
        1.0 as units_per_reporting_unit

)

select * from final
