{#-
    Is the health score any good? For each scorecard version (published and candidate, scored on
    the same customer-weeks: int_health_backtest_scored), segment and lifecycle phase - and for
    all segments and phases together ('all') - how the customers of each band then behaved:
    - churn within 90 and 180 days after the scored Sunday, per band, where churn is logo churn as
      revenue books it (a churn movement of fct_mrr_movements; its day is the day the customer's
      last subscription ended that month, or the month's first day when revenue stopped earlier);
    - the score's AUC against that churn (the chance a churner scored below a stayer; 0.5 is a coin,
      ties count half), the red band's lift (its churn rate over everyone's) and the red-to-green
      ratio (red churn rate over green);
    - the correlation of the score with the expansion MRR of the next 180 days.
    Only customer-weeks whose 180 days have passed by the as-of day count (every figure has the
    same rows), and only scored ones (not insufficient_data). customer_weeks and the band counts
    say how many customer-weeks stand behind each figure.
-#}

with

scores as (

    select * from {{ ref('int_health_backtest_scored') }}
    where health_score is not null

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

    select
        movements.customer_id,
        coalesce(
            max(cast(endings.ended_at as date)),
            movements.month_start_date
        ) as churn_date
    from movements
    left join endings
        on
            movements.customer_id = endings.customer_id
            and endings.ended_month_start_date = movements.month_start_date
    where movements.movement_type = 'churn'
    group by movements.customer_id, movements.month_start_date

),

expansions as (

    select customer_id, month_start_date, movement_mrr_amount
    from movements
    where movement_type = 'expansion'

),

outcomes as (

    select
        scores.*,
        exists (
            select 1 from churns
            where
                churns.customer_id = scores.customer_id
                and churns.churn_date > scores.week_end_date
                and churns.churn_date <= cast({{ dbt.dateadd('day', 90, 'scores.week_end_date') }} as date)
        ) as churned_90d,
        exists (
            select 1 from churns
            where
                churns.customer_id = scores.customer_id
                and churns.churn_date > scores.week_end_date
                and churns.churn_date <= cast({{ dbt.dateadd('day', 180, 'scores.week_end_date') }} as date)
        ) as churned_180d,
        coalesce((
            select sum(expansions.movement_mrr_amount) from expansions
            where
                expansions.customer_id = scores.customer_id
                and expansions.month_start_date > scores.week_end_date
                and expansions.month_start_date <= cast({{ dbt.dateadd('day', 180, 'scores.week_end_date') }} as date)
        ), 0) as expansion_mrr_next_180d
    from scores
    cross join as_of
    where scores.week_end_date <= cast({{ dbt.dateadd('day', -180, 'as_of.as_of_date') }} as date)

),

-- every customer-week counts in its segment and phase, and in the 'all' rows
grouped as (

    select outcomes.*, segment as segment_group, lifecycle_phase as phase_group from outcomes
    union all
    select outcomes.*, segment, 'all' from outcomes
    union all
    select outcomes.*, 'all', lifecycle_phase from outcomes
    union all
    select outcomes.*, 'all', 'all' from outcomes

),

-- rank of each customer-week's risk (a lower score is riskier) within its group, ties averaged
ranked as (

    select
        grouped.*,
        rank() over (
            partition by scorecard_id, scorecard_version, segment_group, phase_group
            order by health_score desc
        )
        + (count(*) over (
            partition by scorecard_id, scorecard_version, segment_group, phase_group, health_score
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
        {% for band in ['red', 'yellow', 'green'] %}
            {% for days in [90, 180] %}
                avg(case when health_band = '{{ band }}' then case when churned_{{ days }}d then 1.0 else 0.0 end end)
                    as {{ band }}_churn_rate_{{ days }}d,
            {% endfor %}
        {% endfor %}
        {% for days in [90, 180] %}
            sum(case when churned_{{ days }}d then risk_rank else 0 end) as churner_rank_sum_{{ days }}d,
        {% endfor %}
        {{ csops.correlation('health_score', 'expansion_mrr_next_180d') }} as expansion_correlation_180d
    from ranked
    group by scorecard_id, scorecard_version, segment_group, phase_group

),

final as (

    select
        {{ csops.generate_surrogate_key(['scorecard_id', 'scorecard_version', 'segment', 'lifecycle_phase']) }}
            as health_backtest_id,
        scorecard_id,
        scorecard_version,
        scorecard_status,
        segment,
        lifecycle_phase,
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
        {% for band in ['red', 'yellow', 'green'] %}
            {% for days in [90, 180] %}
                {{ band }}_churn_rate_{{ days }}d,
            {% endfor %}
        {% endfor %}
        {% for days in [90, 180] %}
            case
                when churned_{{ days }}d > 0 and churned_{{ days }}d < customer_weeks
                    then (churner_rank_sum_{{ days }}d - churned_{{ days }}d * (churned_{{ days }}d + 1) / 2.0)
                    / (churned_{{ days }}d * 1.0 * (customer_weeks - churned_{{ days }}d))
            end as auc_{{ days }}d,
        {% endfor %}
        case when churn_rate_180d > 0 then red_churn_rate_180d / churn_rate_180d end as red_lift_180d,
        case when green_churn_rate_180d > 0 then red_churn_rate_180d / green_churn_rate_180d end
            as red_to_green_ratio_180d,
        expansion_correlation_180d
    from summarised

)

select * from final
