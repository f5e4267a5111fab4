-- date_spine: start inclusive, end exclusive, every step once (2024 is a leap year).
with

days as (

    {{ csops.date_spine('day', "cast('2024-02-01' as date)", "cast('2024-03-02' as date)") }}

),

months as (

    {{ csops.date_spine('month', "cast('2024-01-01' as date)", "cast('2025-01-01' as date)") }}

),

failures as (

    select 'day spine has the wrong number of days' as failure
    from days
    having count(*) != 30 or count(distinct date_day) != 30

    union all

    select 'day spine has the wrong first or last day' as failure
    from days
    having min(date_day) != cast('2024-02-01' as date) or max(date_day) != cast('2024-03-01' as date)

    union all

    select 'month spine is not the 12 months of 2024' as failure
    from months
    having
        count(*) != 12
        or min(date_month) != cast('2024-01-01' as date)
        or max(date_month) != cast('2024-12-01' as date)

)

select * from failures
