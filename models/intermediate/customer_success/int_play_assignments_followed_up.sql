{{ config(enabled=var('enable_cs_platform', true)) }}

{#-
    Every CS play assignment (the CS platform's play_assignments: a customer the CS team picked for
    a play, then treated - contacted - or held out at random), followed up to the as-of day: one row
    per valid assignment made by the as-of day. rpt_play_effectiveness compares the treated with the
    held out on these outcomes.
    - customer: the CRM account's customer (csops.customer_links); null when identity resolution
      placed no customer (every outcome is then null: unknown, not "did not churn").
    - segment: the customer's CRM account segment as the CRM knew it at the assignment
      (csops.valid_at on stg_crm__accounts_history); null when it knew none then.
    - churn within 90 / 180 days: a logo churn (csops.logo_churn_dates, as revenue books it) in
      (assigned day, assigned day + N]. Known only when the window has passed (assigned day + N on
      or before the as-of day); null before.
    - expansion within 180 days: an expansion movement of fct_mrr_movements in a month starting
      after the assigned day and within 180 days; known when the 180 days have passed.
    - health change after 30 / 90 days: the health score without the CS platform's measures (the
      weekly score's arithmetic over the other measures of the scorecard in force: usage, support,
      surveys, billing, community) on the first Sunday at least 30 (90) days after the assignment
      minus the same on the last Sunday on or before it. The CS platform's measures are left out
      because a treated customer gets a logged CSM call, which raises days_since_csm_touch by
      itself: the published score would credit the contact, not its effect. Known when that Sunday
      is on or before the as-of day and both scores exist (a customer who churned in between has no
      later score: outcome missing, counted as such).
-#}

with

assignments as (

    select * from {{ ref('stg_cs_platform__play_assignments') }}
    where not is_invalid

),

account_versions as (

    select * from {{ ref('stg_crm__accounts_history') }}

),

measure_scores as (

    select * from {{ ref('int_health_measures_scored') }}
    where is_counted

),

health_measures as (

    select * from {{ ref('health_measures') }}

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

account_links as (

    {{ csops.customer_links('crm', 'accounts', 'account_id') }}

),

churns as (

    {{ csops.logo_churn_dates('movements', 'endings') }}

),

linked as (

    select
        assignments.play_assignment_id,
        assignments.play_name,
        assignments.assignment_group,
        assignments.is_holdout,
        assignments.account_id,
        assignments.csm_user_id,
        account_links.customer_id,
        account_links.customer_account_id,
        assignments.assigned_at,
        cast(assignments.assigned_at as date) as assigned_date,
        as_of.as_of_date
    from assignments
    cross join as_of
    left join account_links on assignments.account_id = account_links.account_id
    where cast(assignments.assigned_at as date) <= as_of.as_of_date

),

-- the last day of the churn and expansion windows, and the Sundays the health change is read on:
-- the last one on or before the assignment, and the first one at least 30 (90) days after it
follow_up_dates as (

    select
        linked.*,
        cast({{ dbt.dateadd('day', 90, 'linked.assigned_date') }} as date) as window_90d_end_date,
        cast({{ dbt.dateadd('day', 180, 'linked.assigned_date') }} as date) as window_180d_end_date,
        cast({{ dbt.dateadd(
            'day', -1, dbt.date_trunc('week', dbt.dateadd('day', 1, 'linked.assigned_date'))
        ) }} as date) as baseline_week_end_date,
        cast({{ dbt.dateadd(
            'day', 6, dbt.date_trunc('week', dbt.dateadd('day', 30, 'linked.assigned_date'))
        ) }} as date) as week_end_30d_date,
        cast({{ dbt.dateadd(
            'day', 6, dbt.date_trunc('week', dbt.dateadd('day', 90, 'linked.assigned_date'))
        ) }} as date) as week_end_90d_date
    from linked

),

segments as (

    select
        linked.play_assignment_id,
        account_versions.segment
    from linked
    inner join account_versions
        on
            linked.customer_account_id = account_versions.account_id
            and {{ csops.valid_at('linked.assigned_at', 'account_versions') }}

),

first_churns as (

    select
        linked.play_assignment_id,
        min(churns.churn_date) as first_churn_date
    from linked
    inner join churns
        on
            linked.customer_id = churns.customer_id
            and linked.assigned_date < churns.churn_date
    group by linked.play_assignment_id

),

first_expansions as (

    select
        linked.play_assignment_id,
        min(movements.month_start_date) as first_expansion_month_start_date
    from linked
    inner join movements
        on
            linked.customer_id = movements.customer_id
            and movements.movement_type = 'expansion'
            and linked.assigned_date < movements.month_start_date
    group by linked.play_assignment_id

),

-- the health of each Sunday read: the weekly score's arithmetic (int_health_measures_scored, the
-- scorecard in force) over the measures that do not come from the CS platform - a treated customer
-- gets a logged CSM call, which moves days_since_csm_touch (and a check-in the CSM measures) by
-- itself, so the published score would credit the contact rather than its effect
health_dates as (

    select
        customer_id,
        baseline_week_end_date as scored_date
    from follow_up_dates
    union
    select
        customer_id,
        week_end_30d_date as scored_date
    from follow_up_dates
    union
    select
        customer_id,
        week_end_90d_date as scored_date
    from follow_up_dates

),

health_outcomes as (

    select
        measure_scores.customer_id,
        measure_scores.scored_date,
        sum(measure_scores.weight * measure_scores.measure_score) / nullif(sum(measure_scores.weight), 0)
            as health_outcome_score
    from health_dates
    inner join measure_scores
        on
            health_dates.customer_id = measure_scores.customer_id
            and health_dates.scored_date = measure_scores.scored_date
    inner join health_measures on measure_scores.measure = health_measures.measure
    where health_measures.source_system != 'cs_platform'
    group by measure_scores.customer_id, measure_scores.scored_date

),

followed_up as (

    select
        follow_up_dates.*,
        segments.segment,
        first_churns.first_churn_date,
        first_expansions.first_expansion_month_start_date,
        baseline.health_outcome_score as health_at_assignment,
        after_30d.health_outcome_score as health_30d_after,
        after_90d.health_outcome_score as health_90d_after,
        follow_up_dates.window_90d_end_date <= follow_up_dates.as_of_date as is_window_90d_complete,
        follow_up_dates.window_180d_end_date <= follow_up_dates.as_of_date as is_window_180d_complete,
        follow_up_dates.week_end_30d_date <= follow_up_dates.as_of_date as is_health_window_30d_complete,
        follow_up_dates.week_end_90d_date <= follow_up_dates.as_of_date as is_health_window_90d_complete
    from follow_up_dates
    left join segments on follow_up_dates.play_assignment_id = segments.play_assignment_id
    left join first_churns on follow_up_dates.play_assignment_id = first_churns.play_assignment_id
    left join first_expansions on follow_up_dates.play_assignment_id = first_expansions.play_assignment_id
    left join health_outcomes as baseline
        on
            follow_up_dates.customer_id = baseline.customer_id
            and follow_up_dates.baseline_week_end_date = baseline.scored_date
    left join health_outcomes as after_30d
        on
            follow_up_dates.customer_id = after_30d.customer_id
            and follow_up_dates.week_end_30d_date = after_30d.scored_date
    left join health_outcomes as after_90d
        on
            follow_up_dates.customer_id = after_90d.customer_id
            and follow_up_dates.week_end_90d_date = after_90d.scored_date

),

final as (

    select
        play_assignment_id,
        play_name,
        customer_id,
        account_id,
        csm_user_id,
        assignment_group,
        is_holdout,
        segment,
        is_window_90d_complete,
        is_window_180d_complete,
        is_health_window_30d_complete,
        is_health_window_90d_complete,
        case
            when customer_id is not null and is_window_90d_complete
                then coalesce(first_churn_date <= window_90d_end_date, false)
        end as has_churned_90d,
        case
            when customer_id is not null and is_window_180d_complete
                then coalesce(first_churn_date <= window_180d_end_date, false)
        end as has_churned_180d,
        case
            when customer_id is not null and is_window_180d_complete
                then coalesce(first_expansion_month_start_date <= window_180d_end_date, false)
        end as has_expanded_180d,
        health_at_assignment,
        case when is_health_window_30d_complete then health_30d_after end as health_30d_after,
        case when is_health_window_90d_complete then health_90d_after end as health_90d_after,
        case
            when is_health_window_30d_complete then health_30d_after - health_at_assignment
        end as health_change_30d,
        case
            when is_health_window_90d_complete then health_90d_after - health_at_assignment
        end as health_change_90d,
        assigned_at,
        assigned_date,
        first_churn_date,
        baseline_week_end_date,
        week_end_30d_date,
        week_end_90d_date
    from followed_up

)

select * from final
