{{ config(enabled=var('enable_cs_platform', true)) }}

{#-
    Do the plays work? The CS team runs each play on the customers whose signals call for it and
    holds a random share of them out (not contacted); the held-out customers show what would have
    happened without the play, so treated minus holdout is the play's effect. One row per play,
    segment (as the CRM knew it at the assignment, and 'all') and outcome metric
    (int_play_assignments_followed_up):
    - churn_90d, churn_180d, expansion_180d: proportions; the effect is the difference of the two
      rates with Newcombe's 95% interval (csops.newcombe_bound);
    - health_change_30d, health_change_90d: means (points of the health score without the CS
      platform's measures, which the play's own logged call moves); the effect is the
      difference of the means with Welch's 95% interval (t on the Welch-Satterthwaite df).
    An assignment counts towards a metric once its outcome is known: its window has passed by the
    as-of day (the others are counted as window_incomplete) and it has the outcome (no customer
    linked, or no health score at one end: outcome_missing). Each assignment is its own random draw,
    so assignments are the unit; a customer picked twice counts twice (customers says how many
    stand behind the figure).
    A metric is unmeasurable, with a reason and no effect, when the play has no assignments, no
    holdout or no treated assignment, or fewer than play_effect_min_group_size known outcomes in
    either group.
    A play-and-segment's metrics are one family: a play that does nothing, tested on five metrics
    at 95% each, would look like it works or backfires on one of them about 23% of the time. So
    each row also has a simultaneous interval (effect_simultaneous_low/high), the same estimator at
    the Bonferroni level 1 - 0.05 / (metrics in the family): 99% for five metrics, so that all five
    hold together at least 95% of the time. finding reads the simultaneous interval: works (wholly
    on the good side: fewer churns, more expansion, a higher score), backfires (wholly on the bad
    side) or no_clear_effect. The per-metric 95% interval stays beside it.
    Values are summed as decimals (health changes to 4 places), so two builds give the same digits.
-#}

{%- set min_group_size = csops.checked_var('play_effect_min_group_size') %}

with

assignments as (

    select * from {{ ref('int_play_assignments_followed_up') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

catalogue as (

    select * from {{ ref('cs_plays') }}

),

-- every play reported on: the plays the CS platform assigned (with their holdout), and the
-- warehouse's own playbook (seed cs_plays, by play_id), which runs without a holdout: those come
-- out unmeasurable (no_assignments) rather than with a number
plays as (

    select assignments.play_name from assignments
    union
    select catalogue.play_id as play_name from catalogue

),

metrics as (

    select
        'churn_90d' as metric,
        'proportion' as metric_kind,
        'lower' as better_when,
        90 as window_days
    union all
    select
        'churn_180d' as metric,
        'proportion' as metric_kind,
        'lower' as better_when,
        180 as window_days
    union all
    select
        'expansion_180d' as metric,
        'proportion' as metric_kind,
        'higher' as better_when,
        180 as window_days
    union all
    select
        'health_change_30d' as metric,
        'mean' as metric_kind,
        'higher' as better_when,
        30 as window_days
    union all
    select
        'health_change_90d' as metric,
        'mean' as metric_kind,
        'higher' as better_when,
        90 as window_days

),

-- the family a row belongs to: every metric of its play and segment, judged together. Bonferroni:
-- each metric's simultaneous interval is two-sided at 1 - 0.05 / metrics, so that the family's
-- intervals all hold with at least 95% (the per-metric level of effect_ci95); z is its normal
-- quantile (five metrics: 99%, z = 2.5758)
family as (

    select
        count(*) as family_metrics,
        1 - 0.05 / (2.0 * count(*)) as simultaneous_percentile
    from metrics

),

family_quantile as (

    select
        *,
        {{ csops.normal_quantile('simultaneous_percentile') }} as z_simultaneous
    from family

),

-- one row per assignment and metric: whether its window has passed, and its outcome (1/0 for a
-- proportion, score points for a mean; null when unknown)
outcomes as (

    select
        play_assignment_id,
        play_name,
        coalesce(segment, 'unknown') as segment,
        customer_id,
        is_holdout,
        assigned_date,
        'churn_90d' as metric,
        is_window_90d_complete as is_window_complete,
        cast(case when has_churned_90d then 1 when not has_churned_90d then 0 end as decimal(18, 4)) as outcome_value
    from assignments
    union all
    select
        play_assignment_id,
        play_name,
        coalesce(segment, 'unknown') as segment,
        customer_id,
        is_holdout,
        assigned_date,
        'churn_180d' as metric,
        is_window_180d_complete as is_window_complete,
        cast(case when has_churned_180d then 1 when not has_churned_180d then 0 end as decimal(18, 4)) as outcome_value
    from assignments
    union all
    select
        play_assignment_id,
        play_name,
        coalesce(segment, 'unknown') as segment,
        customer_id,
        is_holdout,
        assigned_date,
        'expansion_180d' as metric,
        is_window_180d_complete as is_window_complete,
        cast(case when has_expanded_180d then 1 when not has_expanded_180d then 0 end as decimal(18, 4))
            as outcome_value
    from assignments
    union all
    select
        play_assignment_id,
        play_name,
        coalesce(segment, 'unknown') as segment,
        customer_id,
        is_holdout,
        assigned_date,
        'health_change_30d' as metric,
        is_health_window_30d_complete as is_window_complete,
        cast(round(health_change_30d, 4) as decimal(18, 4)) as outcome_value
    from assignments
    union all
    select
        play_assignment_id,
        play_name,
        coalesce(segment, 'unknown') as segment,
        customer_id,
        is_holdout,
        assigned_date,
        'health_change_90d' as metric,
        is_health_window_90d_complete as is_window_complete,
        cast(round(health_change_90d, 4) as decimal(18, 4)) as outcome_value
    from assignments

),

-- every outcome counts in its segment and in 'all'
grouped as (

    select
        outcomes.*,
        outcomes.segment as segment_group
    from outcomes
    union all
    select
        outcomes.*,
        'all' as segment_group
    from outcomes

),

summarised as (

    select
        play_name,
        segment_group as segment,
        metric,
        count(distinct play_assignment_id) as assignments,
        count(distinct case when not is_holdout then play_assignment_id end) as treated_assignments,
        count(distinct case when is_holdout then play_assignment_id end) as holdout_assignments,
        count(case when not is_holdout and outcome_value is not null then 1 end) as treated_outcomes,
        count(case when is_holdout and outcome_value is not null then 1 end) as holdout_outcomes,
        count(case when not is_holdout and not is_window_complete then 1 end) as treated_window_incomplete,
        count(case when is_holdout and not is_window_complete then 1 end) as holdout_window_incomplete,
        count(case when not is_holdout and is_window_complete and outcome_value is null then 1 end)
            as treated_outcome_missing,
        count(case when is_holdout and is_window_complete and outcome_value is null then 1 end)
            as holdout_outcome_missing,
        sum(case when not is_holdout then outcome_value end) as treated_sum,
        sum(case when is_holdout then outcome_value end) as holdout_sum,
        sum(case when not is_holdout then outcome_value * outcome_value end) as treated_sum_of_squares,
        sum(case when is_holdout then outcome_value * outcome_value end) as holdout_sum_of_squares,
        count(distinct case when outcome_value is not null then customer_id end) as customers,
        count(distinct case when not is_holdout and outcome_value is not null then customer_id end)
            as treated_customers,
        count(distinct case when is_holdout and outcome_value is not null then customer_id end)
            as holdout_customers,
        min(assigned_date) as first_assigned_date,
        max(assigned_date) as last_assigned_date
    from grouped
    group by play_name, segment_group, metric

),

-- the rows reported: each play's segments and 'all' (also for a play with no assignment), per metric,
-- with the normal quantile of the family's simultaneous intervals
cells as (

    select
        play_segments.play_name,
        play_segments.segment,
        metrics.metric,
        metrics.metric_kind,
        metrics.better_when,
        metrics.window_days,
        family_quantile.z_simultaneous
    from (
        select
            play_name,
            segment
        from summarised
        union
        select
            play_name,
            'all' as segment
        from plays
    ) as play_segments
    cross join metrics
    cross join family_quantile

),

measured as (

    select
        cells.*,
        coalesce(summarised.assignments, 0) as assignments,
        coalesce(summarised.treated_assignments, 0) as treated_assignments,
        coalesce(summarised.holdout_assignments, 0) as holdout_assignments,
        coalesce(summarised.treated_outcomes, 0) as treated_outcomes,
        coalesce(summarised.holdout_outcomes, 0) as holdout_outcomes,
        coalesce(summarised.treated_window_incomplete, 0) as treated_window_incomplete,
        coalesce(summarised.holdout_window_incomplete, 0) as holdout_window_incomplete,
        coalesce(summarised.treated_outcome_missing, 0) as treated_outcome_missing,
        coalesce(summarised.holdout_outcome_missing, 0) as holdout_outcome_missing,
        summarised.treated_sum,
        summarised.holdout_sum,
        summarised.treated_sum_of_squares,
        summarised.holdout_sum_of_squares,
        coalesce(summarised.customers, 0) as customers,
        coalesce(summarised.treated_customers, 0) as treated_customers,
        coalesce(summarised.holdout_customers, 0) as holdout_customers,
        summarised.first_assigned_date,
        summarised.last_assigned_date,
        case
            when coalesce(summarised.assignments, 0) = 0 then 'no_assignments'
            when summarised.holdout_assignments = 0 then 'no_holdout'
            when summarised.treated_assignments = 0 then 'no_treated'
            when summarised.holdout_outcomes < {{ min_group_size }} then 'too_few_holdout'
            when summarised.treated_outcomes < {{ min_group_size }} then 'too_few_treated'
        end as unmeasurable_reason
    from cells
    left join summarised
        on
            cells.play_name = summarised.play_name
            and cells.segment = summarised.segment
            and cells.metric = summarised.metric

),

-- each group's rate or mean, and its sum of squared deviations (from exact decimal sums)
described as (

    select
        *,
        cast(treated_sum as double) / nullif(treated_outcomes, 0) as treated_value,
        cast(holdout_sum as double) / nullif(holdout_outcomes, 0) as holdout_value,
        cast(treated_sum_of_squares as double)
        - cast(treated_sum * treated_sum as double) / nullif(treated_outcomes, 0) as treated_deviance,
        cast(holdout_sum_of_squares as double)
        - cast(holdout_sum * holdout_sum as double) / nullif(holdout_outcomes, 0) as holdout_deviance
    from measured

),

-- the sample variances (n - 1)
varied as (

    select
        *,
        case when treated_outcomes > 1 then greatest(treated_deviance, 0) / (treated_outcomes - 1) end
            as treated_variance,
        case when holdout_outcomes > 1 then greatest(holdout_deviance, 0) / (holdout_outcomes - 1) end
            as holdout_variance
    from described

),

welch as (

    select
        *,
        case
            when metric_kind = 'mean' and unmeasurable_reason is null
                then {{ csops.welch_degrees_of_freedom(
                    'treated_variance', 'treated_outcomes', 'holdout_variance', 'holdout_outcomes'
                ) }}
        end as degrees_of_freedom
    from varied

),

estimated as (

    select
        *,
        case when unmeasurable_reason is null then treated_value - holdout_value end as effect,
        case
            when unmeasurable_reason is not null then null
            when metric_kind = 'proportion'
                then {{ csops.newcombe_bound(
                    'treated_sum', 'treated_outcomes', 'holdout_sum', 'holdout_outcomes', 'lower'
                ) }}
            else treated_value - holdout_value - coalesce({{ csops.t_quantile_975('degrees_of_freedom') }}, 0)
                * sqrt(treated_variance / treated_outcomes + holdout_variance / holdout_outcomes)
        end as effect_ci95_low,
        case
            when unmeasurable_reason is not null then null
            when metric_kind = 'proportion'
                then {{ csops.newcombe_bound(
                    'treated_sum', 'treated_outcomes', 'holdout_sum', 'holdout_outcomes', 'upper'
                ) }}
            else treated_value - holdout_value + coalesce({{ csops.t_quantile_975('degrees_of_freedom') }}, 0)
                * sqrt(treated_variance / treated_outcomes + holdout_variance / holdout_outcomes)
        end as effect_ci95_high,
        case
            when unmeasurable_reason is not null then null
            when metric_kind = 'proportion'
                then {{ csops.newcombe_bound(
                    'treated_sum', 'treated_outcomes', 'holdout_sum', 'holdout_outcomes', 'lower',
                    z='z_simultaneous'
                ) }}
            else treated_value - holdout_value
                - coalesce({{ csops.t_quantile('degrees_of_freedom', 'z_simultaneous') }}, 0)
                * sqrt(treated_variance / treated_outcomes + holdout_variance / holdout_outcomes)
        end as effect_simultaneous_low,
        case
            when unmeasurable_reason is not null then null
            when metric_kind = 'proportion'
                then {{ csops.newcombe_bound(
                    'treated_sum', 'treated_outcomes', 'holdout_sum', 'holdout_outcomes', 'upper',
                    z='z_simultaneous'
                ) }}
            else treated_value - holdout_value
                + coalesce({{ csops.t_quantile('degrees_of_freedom', 'z_simultaneous') }}, 0)
                * sqrt(treated_variance / treated_outcomes + holdout_variance / holdout_outcomes)
        end as effect_simultaneous_high
    from welch

),

final as (

    select
        {{ csops.generate_surrogate_key(['estimated.play_name', 'estimated.segment', 'estimated.metric']) }}
            as play_effect_id,
        estimated.play_name,
        estimated.segment,
        estimated.metric,
        estimated.metric_kind,
        estimated.better_when,
        cast(estimated.window_days as integer) as window_days,
        case
            when estimated.metric_kind = 'proportion' then 'newcombe_hybrid_score'
            else 'welch_t'
        end as estimator,
        case when estimated.unmeasurable_reason is null then 'measured' else 'unmeasurable' end
            as measurement_status,
        estimated.unmeasurable_reason,
        case
            when estimated.unmeasurable_reason is not null then null
            when estimated.better_when = 'lower' and estimated.effect_simultaneous_high < 0 then 'works'
            when estimated.better_when = 'higher' and estimated.effect_simultaneous_low > 0 then 'works'
            when estimated.better_when = 'lower' and estimated.effect_simultaneous_low > 0 then 'backfires'
            when estimated.better_when = 'higher' and estimated.effect_simultaneous_high < 0 then 'backfires'
            else 'no_clear_effect'
        end as finding,
        cast(estimated.assignments as bigint) as assignments,
        cast(estimated.treated_assignments as bigint) as treated_assignments,
        cast(estimated.holdout_assignments as bigint) as holdout_assignments,
        cast(estimated.treated_outcomes as bigint) as treated_outcomes,
        cast(estimated.holdout_outcomes as bigint) as holdout_outcomes,
        cast(estimated.treated_window_incomplete as bigint) as treated_window_incomplete,
        cast(estimated.holdout_window_incomplete as bigint) as holdout_window_incomplete,
        cast(estimated.treated_outcome_missing as bigint) as treated_outcome_missing,
        cast(estimated.holdout_outcome_missing as bigint) as holdout_outcome_missing,
        cast(case when estimated.metric_kind = 'proportion' then estimated.treated_sum end as bigint)
            as treated_events,
        cast(case when estimated.metric_kind = 'proportion' then estimated.holdout_sum end as bigint)
            as holdout_events,
        estimated.treated_value,
        estimated.holdout_value,
        case when estimated.metric_kind = 'mean' then sqrt(estimated.treated_variance) end as treated_std_dev,
        case when estimated.metric_kind = 'mean' then sqrt(estimated.holdout_variance) end as holdout_std_dev,
        estimated.effect,
        estimated.effect_ci95_low,
        estimated.effect_ci95_high,
        estimated.effect_simultaneous_low,
        estimated.effect_simultaneous_high,
        estimated.degrees_of_freedom,
        cast(estimated.customers as bigint) as customers,
        cast(estimated.treated_customers as bigint) as treated_customers,
        cast(estimated.holdout_customers as bigint) as holdout_customers,
        estimated.first_assigned_date,
        estimated.last_assigned_date,
        as_of.as_of_date
    from estimated
    cross join as_of

)

select * from final
