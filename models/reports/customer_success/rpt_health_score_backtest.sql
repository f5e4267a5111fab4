{#-
    Is the health score any good? For each scorecard version (published and candidate, scored on
    the same customer-weeks: int_health_backtest_scored), segment and lifecycle phase - and for
    all segments and phases together ('all') - how the customers of each band then behaved:
    - churn within 90 and 180 days after the scored Sunday, per band, where churn is logo churn as
      revenue books it (a churn movement of fct_mrr_movements; its day is the day the customer's
      last subscription ended that month, or the month's first day when revenue stopped earlier:
      csops.logo_churn_dates);
    - the score's AUC against that churn (the chance a churner scored below a stayer; 0.5 is a coin,
      ties count half), the red band's lift (its churn rate over everyone's) and the red-to-green
      ratio (red churn rate over green);
    - the correlation of the score with the expansion MRR of the next 180 days.
    Only customer-weeks whose 180 days have passed by the as-of day count (every figure has the
    same rows), and only scored ones (not insufficient_data) of customers who had paid: a trial
    week (lifecycle_phase trial) is not graded, since a trial converts or is lost - it cannot
    churn, and counting it as a stayer would dilute every band's churn rate. customer_weeks and the band counts
    say how many customer-weeks stand behind each figure.
    Besides segment and phase, the figures are cut by the customer's journey stage that Sunday
    (fct_customer_journey_daily; journey_stage 'all' on the segment and phase rows, and one row per
    stage for all segments and phases together): does the score rank churn within a stage - among
    customers in their renewal window, say - and not only across stages?
-#}

with

scores as (

    select * from {{ ref('int_health_backtest_scored') }}
    where health_score is not null and lifecycle_phase != 'trial'

),

journey_days as (

    select * from {{ ref('fct_customer_journey_daily') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

endings as (

    select * from {{ ref('int_subscriptions_endings_typed') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

churns as (

    {{ csops.logo_churn_dates('movements', 'endings') }}

),

expansions as (

    select
        customer_id,
        month_start_date,
        movement_mrr_amount
    from movements
    where movement_type = 'expansion'

),

outcomes as (

    select
        scores.*,
        exists(
            select 1 as churn_found from churns
            where
                churns.customer_id = scores.customer_id
                and churns.churn_date > scores.week_end_date
                and churns.churn_date <= cast({{ dbt.dateadd('day', 90, 'scores.week_end_date') }} as date)
        ) as churned_90d,
        exists(
            select 1 as churn_found from churns
            where
                churns.customer_id = scores.customer_id
                and churns.churn_date > scores.week_end_date
                and churns.churn_date <= cast({{ dbt.dateadd('day', 180, 'scores.week_end_date') }} as date)
        ) as churned_180d,
        coalesce((
            select sum(expansions.movement_mrr_amount) as expansion_mrr_amount from expansions
            where
                expansions.customer_id = scores.customer_id
                and expansions.month_start_date > scores.week_end_date
                and expansions.month_start_date <= cast({{ dbt.dateadd('day', 180, 'scores.week_end_date') }} as date)
        ), 0) as expansion_mrr_next_180d,
        coalesce(journey_days.journey_stage, 'unknown') as journey_stage
    from scores
    cross join as_of
    left join journey_days
        on scores.customer_id = journey_days.customer_id and scores.week_end_date = journey_days.journey_date
    where scores.week_end_date <= cast({{ dbt.dateadd('day', -180, 'as_of.as_of_date') }} as date)

),

-- every customer-week counts in its segment and phase, and in the 'all' rows; and, for all
-- segments and phases together, in its journey stage
grouped as (

    select
        outcomes.*,
        outcomes.segment as segment_group,
        outcomes.lifecycle_phase as phase_group,
        'all' as journey_stage_group
    from outcomes
    union all
    select
        outcomes.*,
        outcomes.segment as segment_group,
        'all' as phase_group,
        'all' as journey_stage_group
    from outcomes
    union all
    select
        outcomes.*,
        'all' as segment_group,
        outcomes.lifecycle_phase as phase_group,
        'all' as journey_stage_group
    from outcomes
    union all
    select
        outcomes.*,
        'all' as segment_group,
        'all' as phase_group,
        'all' as journey_stage_group
    from outcomes
    union all
    select
        outcomes.*,
        'all' as segment_group,
        'all' as phase_group,
        outcomes.journey_stage as journey_stage_group
    from outcomes

),

-- rank of each customer-week's risk (a lower score is riskier) within its group, ties averaged
ranked as (

    select
        grouped.*,
        rank()
            over (
                partition by
                    grouped.scorecard_id,
                    grouped.scorecard_version,
                    grouped.segment_group,
                    grouped.phase_group,
                    grouped.journey_stage_group
                order by grouped.health_score desc
            )
        + (count(*) over (
            partition by
                grouped.scorecard_id,
                grouped.scorecard_version,
                grouped.segment_group,
                grouped.phase_group,
                grouped.journey_stage_group,
                grouped.health_score
        ) - 1) / 2.0 as risk_rank
    from grouped

),

summarised as (

    select
        scorecard_id,
        scorecard_version,
        max(scorecard_status) as scorecard_status,
        segment_group as segment,
        phase_group as lifecycle_phase,
        journey_stage_group as journey_stage,
        count(*) as customer_weeks,
        count(distinct customer_id) as customers,
        min(week_end_date) as first_week_end_date,
        max(week_end_date) as last_week_end_date,
        cast(sum(case when health_band = 'red' then 1 else 0 end) as bigint) as red_customer_weeks,
        cast(sum(case when health_band = 'yellow' then 1 else 0 end) as bigint) as yellow_customer_weeks,
        cast(sum(case when health_band = 'green' then 1 else 0 end) as bigint) as green_customer_weeks,
        cast(sum(case when churned_90d then 1 else 0 end) as bigint) as churned_90d,
        cast(sum(case when churned_180d then 1 else 0 end) as bigint) as churned_180d,
        avg(case when churned_90d then 1.0 else 0.0 end) as churn_rate_90d,
        avg(case when churned_180d then 1.0 else 0.0 end) as churn_rate_180d,
        avg(case when health_band = 'red' then case when churned_90d then 1.0 else 0.0 end end)
            as red_churn_rate_90d,
        avg(case when health_band = 'red' then case when churned_180d then 1.0 else 0.0 end end)
            as red_churn_rate_180d,
        avg(case when health_band = 'yellow' then case when churned_90d then 1.0 else 0.0 end end)
            as yellow_churn_rate_90d,
        avg(case when health_band = 'yellow' then case when churned_180d then 1.0 else 0.0 end end)
            as yellow_churn_rate_180d,
        avg(case when health_band = 'green' then case when churned_90d then 1.0 else 0.0 end end)
            as green_churn_rate_90d,
        avg(case when health_band = 'green' then case when churned_180d then 1.0 else 0.0 end end)
            as green_churn_rate_180d,
        sum(case when churned_90d then risk_rank else 0 end) as churner_rank_sum_90d,
        sum(case when churned_180d then risk_rank else 0 end) as churner_rank_sum_180d,
        {{ csops.correlation('health_score', 'expansion_mrr_next_180d') }} as expansion_correlation_180d
    from ranked
    group by scorecard_id, scorecard_version, segment_group, phase_group, journey_stage_group

),

final as (

    select
        {{ csops.generate_surrogate_key(
            ['scorecard_id', 'scorecard_version', 'segment', 'lifecycle_phase', 'journey_stage']
        ) }} as health_backtest_id,
        scorecard_id,
        scorecard_version,
        scorecard_status,
        segment,
        lifecycle_phase,
        journey_stage,
        customer_weeks,
        customers,
        first_week_end_date,
        last_week_end_date,
        red_customer_weeks,
        yellow_customer_weeks,
        green_customer_weeks,
        churned_90d,
        churned_180d,
        churn_rate_90d,
        churn_rate_180d,
        red_churn_rate_90d,
        red_churn_rate_180d,
        yellow_churn_rate_90d,
        yellow_churn_rate_180d,
        green_churn_rate_90d,
        green_churn_rate_180d,
        case
            when churned_90d > 0 and churned_90d < customer_weeks
                then (churner_rank_sum_90d - churned_90d * (churned_90d + 1) / 2.0)
                    / (churned_90d * 1.0 * (customer_weeks - churned_90d))
        end as auc_90d,
        case
            when churned_180d > 0 and churned_180d < customer_weeks
                then (churner_rank_sum_180d - churned_180d * (churned_180d + 1) / 2.0)
                    / (churned_180d * 1.0 * (customer_weeks - churned_180d))
        end as auc_180d,
        case when churn_rate_180d > 0 then red_churn_rate_180d / churn_rate_180d end as red_lift_180d,
        case when green_churn_rate_180d > 0 then red_churn_rate_180d / green_churn_rate_180d end
            as red_to_green_ratio_180d,
        expansion_correlation_180d
    from summarised

)

select * from final
