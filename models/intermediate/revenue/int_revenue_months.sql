{#-
    The months revenue is reported for: from the month of the first paid subscription item to the
    month of the warehouse's as-of date (int_warehouse_as_of). Each month's MRR is measured at its close: the instant the next month starts, or the
    end of the as-of day for the current month.
-#}

with

items as (

    select * from {{ ref('stg_billing__subscription_items') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(items.started_at)') }} as date) as first_month,
        max(as_of.as_of_date) as as_of_date
    from items
    cross join as_of

),

spine as (

    {{ csops.date_spine(
        'month',
        "(select first_month from bounds)",
        dbt.dateadd('month', 1, dbt.date_trunc('month', "(select as_of_date from bounds)"))
    ) }}

),

final as (

    select
        spine.date_month as month_start_date,
        cast({{ dbt.dateadd('month', 1, 'spine.date_month') }} as date) as next_month_start_date,
        -- the instant the month's closing MRR is measured at
        least(
            cast({{ dbt.dateadd('month', 1, 'spine.date_month') }} as timestamp),
            cast({{ dbt.dateadd('day', 1, 'bounds.as_of_date') }} as timestamp)
        ) as measured_at,
        bounds.as_of_date
    from spine
    cross join bounds

)

select * from final
