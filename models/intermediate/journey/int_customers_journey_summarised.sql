{#-
    Each customer's journey in one row (for dim_customers): the stage on the as-of day, since when
    and after which stage, time to value, whether onboarding is overdue, and the days spent in each
    stage so far. Read from fct_customer_journey_daily, which owns the stage of every day.
    time_to_value_days: days from the first paid day to the first-value milestone (0 when it was
    reached during the trial; null until it is reached, or without the product system).
-#}

with

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

current_days as (

    select
        journey_days.*,
        {{ dbt.datediff('journey_days.first_paid_date', 'journey_days.first_value_date', 'day') }}
            as days_from_first_paid_to_value
    from journey_days
    inner join as_of on journey_days.journey_date = as_of.as_of_date

),

stage_days as (

    select
        customer_id,
        count(*) as journey_days,
        sum(case when journey_stage = 'trial' then 1 else 0 end) as days_in_trial,
        sum(case when journey_stage = 'onboarding' then 1 else 0 end) as days_in_onboarding,
        sum(case when journey_stage = 'adoption' then 1 else 0 end) as days_in_adoption,
        sum(case when journey_stage = 'value_realisation' then 1 else 0 end) as days_in_value_realisation,
        sum(case when journey_stage = 'renewal_window' then 1 else 0 end) as days_in_renewal_window,
        sum(case when journey_stage = 'expansion' then 1 else 0 end) as days_in_expansion,
        sum(case when journey_stage = 'at_risk' then 1 else 0 end) as days_in_at_risk,
        sum(case when journey_stage = 'churned' then 1 else 0 end) as days_in_churned,
        sum(case when journey_stage = 'reactivated' then 1 else 0 end) as days_in_reactivated,
        sum(case when days_in_stage = 1 and previous_stage is not null then 1 else 0 end) as stage_changes
    from journey_days
    group by customer_id

),

final as (

    select
        current_days.customer_id,
        current_days.journey_stage,
        current_days.stage_rule as journey_stage_rule,
        current_days.previous_stage as previous_journey_stage,
        current_days.stage_entered_date as journey_stage_entered_date,
        current_days.days_in_stage as days_in_journey_stage,
        current_days.is_onboarding_overdue,
        current_days.journey_start_date,
        current_days.first_paid_date,
        current_days.first_value_date,
        case
            when current_days.days_from_first_paid_to_value < 0 then 0
            else current_days.days_from_first_paid_to_value
        end as time_to_value_days,
        cast(stage_days.journey_days as integer) as journey_days,
        cast(stage_days.stage_changes as integer) as journey_stage_changes,
        cast(stage_days.days_in_trial as integer) as days_in_trial,
        cast(stage_days.days_in_onboarding as integer) as days_in_onboarding,
        cast(stage_days.days_in_adoption as integer) as days_in_adoption,
        cast(stage_days.days_in_value_realisation as integer) as days_in_value_realisation,
        cast(stage_days.days_in_renewal_window as integer) as days_in_renewal_window,
        cast(stage_days.days_in_expansion as integer) as days_in_expansion,
        cast(stage_days.days_in_at_risk as integer) as days_in_at_risk,
        cast(stage_days.days_in_churned as integer) as days_in_churned,
        cast(stage_days.days_in_reactivated as integer) as days_in_reactivated
    from current_days
    inner join stage_days on current_days.customer_id = stage_days.customer_id

)

select * from final
