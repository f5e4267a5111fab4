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
        count(*) as days,
        count(distinct journey_date) as distinct_days
    from journey_days
    group by customer_id

),

final as (

    select
        per_customer.*,
        as_of.as_of_date
    from per_customer
    cross join as_of
    where
        per_customer.journey_start_date != per_customer.latest_journey_start_date
        or per_customer.first_date != per_customer.journey_start_date
        or per_customer.last_date != as_of.as_of_date
        or per_customer.days != per_customer.distinct_days
        or per_customer.days != {{ dbt.datediff('per_customer.first_date', 'per_customer.last_date', 'day') }} + 1

)

select * from final
