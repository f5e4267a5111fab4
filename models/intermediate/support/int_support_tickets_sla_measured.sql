{#-
    Every support ticket of a customer with its first-response and resolution times against the
    SLA targets for its priority (seed support_sla_targets). A ticket still waiting for a reply or
    a solution breaches once the time since it was opened passes the target.
-#}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}
    where not is_invalid

),

targets as (

    select * from {{ ref('support_sla_targets') }}

),

ticket_links as (

    {{ csops.customer_links('support', 'tickets', 'ticket_id') }}

),

as_of as (

    select max(_loaded_at) as as_of_at from {{ ref('stg_support__tickets') }}

),

measured as (

    select
        tickets.ticket_id,
        ticket_links.customer_id,
        tickets.organization_id,
        tickets.ticket_priority,
        tickets.ticket_type,
        tickets.ticket_status,
        tickets.requested_feature_key,
        tickets.is_solved,
        tickets.created_at,
        tickets.first_responded_at,
        tickets.solved_at,
        {{ csops.minutes_between('tickets.created_at', 'tickets.first_responded_at') }} as first_response_minutes,
        {{ csops.minutes_between('tickets.created_at', 'tickets.solved_at') }} as resolution_minutes,
        {{ csops.minutes_between('tickets.created_at', 'as_of.as_of_at') }} as minutes_open_so_far,
        targets.first_response_target_minutes,
        targets.resolution_target_minutes
    from tickets
    inner join ticket_links on tickets.ticket_id = ticket_links.ticket_id
    cross join as_of
    left join targets on tickets.ticket_priority = targets.ticket_priority

),

final as (

    select
        *,
        coalesce(first_response_minutes, minutes_open_so_far) > first_response_target_minutes
            as is_first_response_breached,
        coalesce(resolution_minutes, minutes_open_so_far) > resolution_target_minutes as is_resolution_breached
    from measured

)

select * from final
