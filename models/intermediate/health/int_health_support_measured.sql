{{ config(enabled=var('enable_support', true)) }}

{#-
    The support measures of the health score for every scored customer-day, from the tickets as
    the help desk had told the warehouse by the end of the day (stg_support__tickets_history,
    csops.known_by): a ticket not yet loaded does not exist, a reply not yet loaded has not
    happened. Tickets opened in the 90 days to the day:
    support_tickets_per_seat       tickets / seats (null without seats)
    support_high_priority_tickets  high and urgent tickets
    support_sla_breaches           share whose first reply came after the SLA target (seed
                                   support_sla_targets), or is still missing past it, that day
    Null when the customer opened no ticket (the scorecard says what missing means).
-#}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

ticket_versions as (

    select * from {{ ref('stg_support__tickets_history') }}
    where not is_invalid and not is_test_account

),

targets as (

    select * from {{ ref('support_sla_targets') }}

),

ticket_links as (

    {{ csops.customer_links('support', 'tickets', 'ticket_id') }}

),

tickets_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        customer_days.seats,
        ticket_versions.ticket_id,
        ticket_versions.ticket_priority,
        coalesce(
            {{ csops.minutes_between('ticket_versions.created_at', 'ticket_versions.first_responded_at') }},
            {{ csops.minutes_between('ticket_versions.created_at', 'customer_days.known_before_at') }}
        ) > targets.first_response_target_minutes as is_first_response_breached
    from customer_days
    inner join ticket_links on customer_days.customer_id = ticket_links.customer_id
    inner join ticket_versions
        on
            ticket_links.ticket_id = ticket_versions.ticket_id
            and {{ csops.known_by('customer_days.known_before_at', 'ticket_versions') }}
            and ticket_versions.created_at
            >= cast({{ dbt.dateadd('day', -89, 'customer_days.scored_date') }} as timestamp)
    left join targets on ticket_versions.ticket_priority = targets.ticket_priority

),

final as (

    select
        customer_id,
        scored_date,
        count(*) as tickets_90d,
        case when max(seats) > 0 then count(*) * 1.0 / max(seats) end as support_tickets_per_seat,
        sum(case when ticket_priority in ('high', 'urgent') then 1 else 0 end) as support_high_priority_tickets,
        avg(case when is_first_response_breached then 1.0 else 0.0 end) as support_sla_breaches
    from tickets_known
    group by customer_id, scored_date

)

select * from final
