with

source as (

    select * from {{ source('billing', 'fx_rates') }}

),

latest as (

    {{ csops.latest_version('source', key='rate_date, quote_currency') }}

),

renamed as (

    select
        {{ csops.generate_surrogate_key(['rate_date', 'upper(trim(quote_currency))']) }} as fx_rate_id,
        cast(rate_date as date) as rate_date,
        upper(trim(base_currency)) as base_currency_code,
        upper(trim(quote_currency)) as currency_code,
        -- units of currency_code that one unit of base_currency_code buys
        cast(rate as decimal(18, 6)) as units_per_base,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        case
            when units_per_base is null or units_per_base <= 0 then 'non_positive_rate'
        end as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
