{#-
    The days the health score is computed for, and the instant each is known at. A score for day D
    uses only what was loaded by the end of D: every raw row with _loaded_at before midnight (UTC)
    after D (known_before_at). Two sets of days:
    - every week's last day (Sunday) from the first subscription start to the as-of day: the full
      history (fct_customer_health_weekly, the backtest);
    - every day of the last health_daily_window_days days up to the as-of day, and 30 days before
      them so each has a 30-day change (fct_customer_health_daily).
-#}

{%- set daily_days = csops.checked_var('health_daily_window_days') %}

with

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

first_start as (

    select cast(min(started_at) as date) as first_start_date
    from {{ ref('stg_billing__subscriptions_history') }}
    where not is_invalid

),

days as (

    select date_day as scored_date
    from (
        {{ csops.date_spine(
            'day',
            '(select first_start_date from first_start)',
            "(select " ~ dbt.dateadd('day', 1, 'as_of_date') ~ " from as_of)"
        ) }}
    ) as spine

),

flagged as (

    select
        days.scored_date,
        cast({{ dbt.dateadd('day', 1, 'days.scored_date') }} as timestamp) as known_before_at,
        days.scored_date > cast({{ dbt.dateadd('day', -(daily_days + 30), 'as_of.as_of_date') }} as date)
            as is_daily_scored,
        days.scored_date > cast({{ dbt.dateadd('day', -daily_days, 'as_of.as_of_date') }} as date)
            as is_in_daily_window,
        cast({{ dbt.dateadd('day', 6, dbt.date_trunc('week', 'days.scored_date')) }} as date) = days.scored_date
            as is_week_end
    from days
    cross join as_of

),

final as (

    select * from flagged
    where is_daily_scored or is_week_end

)

select * from final
