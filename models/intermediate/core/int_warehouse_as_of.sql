{#-
    The warehouse's clock: the one day every "today", "current month" and "last N days" in the
    warehouse is measured from. It is var revenue_as_of_date when set, else the day of the latest
    billing load - billing is the system of record for who pays, and every build loads it. Billing
    tables are version logs (a row when a record changes), so the latest load is the latest of any
    billing table's: a day without a new item still has invoices and payments.
    Every model that needs "today" reads this one row; none computes its own.
-#}

{%- set as_of_date = csops.checked_var('revenue_as_of_date') -%}
{%- set as_of_expression = ("cast('" ~ as_of_date ~ "' as date)" if as_of_date else 'last_loaded_date') %}

with

loads as (

    select _loaded_at from {{ ref('stg_billing__subscription_items') }}
    union all
    select _loaded_at from {{ ref('stg_billing__subscriptions') }}
    union all
    select _loaded_at from {{ ref('stg_billing__invoices') }}
    union all
    select _loaded_at from {{ ref('stg_billing__payments') }}

),

latest_load as (

    select cast(max(_loaded_at) as date) as last_loaded_date
    from loads

),

final as (

    select {{ as_of_expression }} as as_of_date
    from latest_load

)

select * from final
