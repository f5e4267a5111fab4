{#-
    The CS team's to-do list, made by the plays of seed cs_plays: one row per action a play raised
    (or would have raised and suppressed) for a customer.

    One action per run of trigger days, not one per day: a play fires on the first day of a run of
    consecutive days on which its trigger is true (int_cs_plays_triggered) and has held for the
    play's min_trigger_days (a run of 2 days of a play that needs 3 raises nothing); a new run
    starts after a day the trigger was false (or the customer had no live subscription), and also
    where the inputs turn from stale to fresh or back within a run (so a run that began on stale
    inputs still gets its action on the first fresh day).

    Each candidate is judged in date order per customer and play, against the last action of that
    play actually created before it (a recursive walk, so a suppressed candidate never starts a
    cooldown or blocks a later one):
    - suppressed, already_open: that action was still open on the candidate's day;
    - suppressed, cooldown: it closed less than the play's cooldown_days before;
    - suppressed, stale_inputs: the play's inputs were stale on the day;
    - otherwise the action is created that day, due due_in_days later.

    A created action closes on the first of:
    - trigger_cleared: the first day after its creation on which the trigger is no longer true (the
      day after its run of trigger days ends, when that day has passed), for plays with
      closes_when_cleared;
    - activity_logged: a CSM activity in the CS platform for the customer, on a day after the
      action's creation, of one of the play's closing_activity_types (any CSM of the account; the
      activity's day, as the platform records it);
    - expired: nothing of the above by due date + expire_after_days.
    status as of the warehouse's as-of day: done (trigger cleared or activity logged), expired,
    overdue (open past its due date), open, or suppressed.

    Owner: the account owner in the CRM as known on the creation day (the CSM) when the play's
    owner_role for the customer's touch model (seed cs_play_channels; segment to touch model in
    cs_touch_models) is csm; the digital CS pool when it is digital_cs_pool, or when the account
    had no owner that day.
-#}

{%- set cs_platform = csops.system_enabled('cs_platform') %}

with recursive

triggered as (

    select * from {{ ref('int_cs_plays_triggered') }}

),

plays as (

    select * from {{ ref('cs_plays') }}

),

play_channels as (

    select * from {{ ref('cs_play_channels') }}

),

touch_models as (

    select * from {{ ref('cs_touch_models') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

{% if cs_platform %}
    activities as (

        select * from {{ ref('stg_cs_platform__activities') }}
        where not is_invalid

    ),

    activity_links as (

        {{ csops.customer_links('cs_platform', 'activities', 'activity_id') }}

    ),
{% endif %}

-- consecutive trigger days: a streak starts after a day the trigger was not true
streak_starts as (

    select
        triggered.*,
        case
            when
                lag(triggered.signal_date) over (
                    partition by triggered.customer_id, triggered.play_id order by triggered.signal_date
                ) = cast({{ dbt.dateadd('day', -1, 'triggered.signal_date') }} as date)
                then 0
            else 1
        end as is_streak_start
    from triggered

),

streaks as (

    select
        streak_starts.*,
        sum(streak_starts.is_streak_start) over (
            partition by streak_starts.customer_id, streak_starts.play_id
            order by streak_starts.signal_date
            rows between unbounded preceding and current row
        ) as streak_number
    from streak_starts

),

-- the days the trigger has held for the play's min_trigger_days (the day itself included)
held as (

    select numbered.*
    from (
        select
            streaks.*,
            row_number() over (
                partition by streaks.customer_id, streaks.play_id, streaks.streak_number
                order by streaks.signal_date
            ) as streak_day
        from streaks
    ) as numbered
    inner join plays on numbered.play_id = plays.play_id
    where numbered.streak_day >= coalesce(plays.min_trigger_days, 1)

),

with_day_before as (

    select
        held.customer_id,
        held.play_id,
        held.signal_date,
        held.segment,
        held.owner_user_id,
        held.is_input_stale,
        held.trigger_reason,
        lag(held.signal_date) over (
            partition by held.customer_id, held.play_id order by held.signal_date
        ) as previous_trigger_date,
        lag(held.is_input_stale) over (
            partition by held.customer_id, held.play_id order by held.signal_date
        ) as was_input_stale
    from held

),

run_starts as (

    select
        with_day_before.*,
        case
            when
                with_day_before.previous_trigger_date is null
                or with_day_before.previous_trigger_date
                < cast({{ dbt.dateadd('day', -1, 'with_day_before.signal_date') }} as date)
                then 1
            else 0
        end as is_run_start,
        case
            when
                with_day_before.previous_trigger_date is null
                or with_day_before.previous_trigger_date
                < cast({{ dbt.dateadd('day', -1, 'with_day_before.signal_date') }} as date)
                or with_day_before.was_input_stale != with_day_before.is_input_stale
                then 1
            else 0
        end as is_candidate
    from with_day_before

),

runs as (

    select
        run_starts.*,
        sum(run_starts.is_run_start) over (
            partition by run_starts.customer_id, run_starts.play_id
            order by run_starts.signal_date
            rows between unbounded preceding and current row
        ) as run_number
    from run_starts

),

run_ends as (

    select
        customer_id,
        play_id,
        run_number,
        max(signal_date) as last_trigger_date
    from runs
    group by customer_id, play_id, run_number

),

candidates as (

    select
        runs.customer_id,
        runs.play_id,
        runs.signal_date as created_date,
        runs.segment,
        runs.owner_user_id,
        runs.is_input_stale,
        runs.trigger_reason,
        plays.cooldown_days,
        cast({{ dbt.dateadd('day', 'plays.due_in_days', 'runs.signal_date') }} as date) as due_date,
        cast({{ dbt.dateadd('day', 'plays.due_in_days + plays.expire_after_days', 'runs.signal_date') }} as date)
            as expires_date,
        case
            when
                plays.closes_when_cleared
                and cast({{ dbt.dateadd('day', 1, 'run_ends.last_trigger_date') }} as date) <= as_of.as_of_date
                then cast({{ dbt.dateadd('day', 1, 'run_ends.last_trigger_date') }} as date)
        end as trigger_cleared_date,
        plays.closing_activity_types,
        as_of.as_of_date,
        row_number() over (partition by runs.customer_id, runs.play_id order by runs.signal_date) as candidate_number
    from runs
    inner join run_ends
        on
            runs.customer_id = run_ends.customer_id
            and runs.play_id = run_ends.play_id
            and runs.run_number = run_ends.run_number
    inner join plays on runs.play_id = plays.play_id
    cross join as_of
    where runs.is_candidate = 1

),

-- the first matching CSM activity after each candidate's day
activity_closures as (

    {% if cs_platform %}
        select
            candidates.customer_id,
            candidates.play_id,
            candidates.created_date,
            min(cast(activities.occurred_at as date)) as activity_date
        from candidates
        inner join activity_links on candidates.customer_id = activity_links.customer_id
        inner join activities
            on
                activity_links.activity_id = activities.activity_id
                and cast(activities.occurred_at as date) > candidates.created_date
                and cast(activities.occurred_at as date) <= candidates.as_of_date
                and '|' || candidates.closing_activity_types || '|' like '%|' || activities.activity_type || '|%'
        group by candidates.customer_id, candidates.play_id, candidates.created_date
    {% else %}
        select
            customer_id,
            play_id,
            created_date,
            cast(null as date) as activity_date
        from candidates
        where 1 = 0
    {% endif %}

),

-- when each candidate, if created, would close (null: still open on the as-of day) and why
closures as (

    select
        candidates.*,
        activity_closures.activity_date,
        least(
            coalesce(candidates.trigger_cleared_date, activity_closures.activity_date),
            coalesce(activity_closures.activity_date, candidates.trigger_cleared_date)
        ) as done_date
    from candidates
    left join activity_closures
        on
            candidates.customer_id = activity_closures.customer_id
            and candidates.play_id = activity_closures.play_id
            and candidates.created_date = activity_closures.created_date

),

closed as (

    select
        closures.*,
        case
            when closures.done_date < closures.expires_date then closures.done_date
            when closures.expires_date <= closures.as_of_date then closures.expires_date
        end as closed_date,
        case
            when closures.done_date < closures.expires_date
                then
                    case
                        when closures.done_date = closures.trigger_cleared_date then 'trigger_cleared'
                        else 'activity_logged'
                    end
            when closures.expires_date <= closures.as_of_date then 'expired'
        end as closed_reason
    from closures

),

-- candidates in date order per customer and play, each judged against the last created action
walked as (

    select
        closed.customer_id,
        closed.play_id,
        closed.candidate_number,
        case when closed.is_input_stale then 'stale_inputs' end as suppression_reason,
        not closed.is_input_stale as has_last_action,
        case when not closed.is_input_stale then closed.closed_date end as last_closed_date,
        case when not closed.is_input_stale then closed.cooldown_days end as last_cooldown_days
    from closed
    where closed.candidate_number = 1

    union all

    select
        judged.customer_id,
        judged.play_id,
        judged.candidate_number,
        judged.suppression_reason,
        judged.has_last_action or judged.suppression_reason is null as has_last_action,
        case when judged.suppression_reason is null then judged.closed_date else judged.last_closed_date end
            as last_closed_date,
        case when judged.suppression_reason is null then judged.cooldown_days else judged.last_cooldown_days end
            as last_cooldown_days
    from (
        select
            next_candidate.customer_id,
            next_candidate.play_id,
            next_candidate.candidate_number,
            next_candidate.closed_date,
            next_candidate.cooldown_days,
            walked.has_last_action,
            walked.last_closed_date,
            walked.last_cooldown_days,
            case
                when
                    walked.has_last_action
                    and (walked.last_closed_date is null or next_candidate.created_date < walked.last_closed_date)
                    then 'already_open'
                when
                    walked.has_last_action
                    and next_candidate.created_date
                    < cast({{ dbt.dateadd('day', 'walked.last_cooldown_days', 'walked.last_closed_date') }} as date)
                    then 'cooldown'
                when next_candidate.is_input_stale then 'stale_inputs'
            end as suppression_reason
        from walked
        inner join closed as next_candidate
            on
                walked.customer_id = next_candidate.customer_id
                and walked.play_id = next_candidate.play_id
                and next_candidate.candidate_number = walked.candidate_number + 1
    ) as judged

),

final as (

    select
        {{ csops.generate_surrogate_key(['closed.customer_id', 'closed.play_id', 'closed.created_date']) }}
            as cs_action_id,
        closed.customer_id,
        closed.play_id,
        case
            when play_channels.owner_role = 'csm' and closed.owner_user_id is not null then closed.owner_user_id
            else 'digital_cs_pool'
        end as owner_id,
        case
            when play_channels.owner_role = 'csm' and closed.owner_user_id is not null then 'csm'
            else 'digital_cs_pool'
        end as owner_role,
        case when play_channels.owner_role = 'csm' then closed.owner_user_id end as owner_user_id,
        plays.play_name,
        closed.segment,
        coalesce(touch_models.touch_model, 'tech_touch') as touch_model,
        play_channels.channel,
        plays.priority,
        plays.action_text,
        closed.trigger_reason as reason,
        case
            when walked.suppression_reason is not null then 'suppressed'
            when closed.closed_reason in ('trigger_cleared', 'activity_logged') then 'done'
            when closed.closed_reason = 'expired' then 'expired'
            when closed.as_of_date > closed.due_date then 'overdue'
            else 'open'
        end as action_status,
        walked.suppression_reason,
        case when walked.suppression_reason is null then closed.closed_reason end as closed_reason,
        closed.created_date,
        closed.due_date,
        closed.expires_date,
        case when walked.suppression_reason is null then closed.closed_date end as closed_date
    from closed
    inner join walked
        on
            closed.customer_id = walked.customer_id
            and closed.play_id = walked.play_id
            and closed.candidate_number = walked.candidate_number
    inner join plays on closed.play_id = plays.play_id
    left join touch_models on closed.segment = touch_models.segment
    left join play_channels
        on
            closed.play_id = play_channels.play_id
            and coalesce(touch_models.touch_model, 'tech_touch') = play_channels.touch_model

)

select * from final
