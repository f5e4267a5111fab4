-- A customer's journey has every day from its start (first trial or contract) to the as-of day,
-- with no gap: as many rows as days, the first on journey_start_date, the last on the as-of day.
-- Returns the customers whose days do not add up.
with

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

per_customer as (

    select
        customer_id,
        min(journey_start_date) as journey_start_date,
        max(journey_start_date) as latest_journey_start_date,
        min(journey_date) as first_date,
        max(journey_date) as last_date,
        count(*) as day_rows,
        count(distinct journey_date) as distinct_days
    from journey_days
    group by customer_id

),

spans as (

    select
        *,
        {{ dbt.datediff('first_date', 'last_date', 'day') }}
        + 1 as days_spanned
    from per_customer

),

final as (

    select
        spans.*,
        as_of.as_of_date
    from spans
    cross join as_of
    where
        spans.journey_start_date != spans.latest_journey_start_date
        or spans.first_date != spans.journey_start_date
        or spans.last_date != as_of.as_of_date
        or spans.day_rows != spans.distinct_days
        or spans.day_rows != spans.days_spanned

)

select * from final
