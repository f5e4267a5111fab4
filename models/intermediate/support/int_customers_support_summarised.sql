{#-
    Support per customer today: open tickets, tickets and SLA breaches over the last 90 days, and
    CSAT over the last 90 days (answers tied to the customer through their ticket). CSAT answers
    come from the survey tool: with the surveys system switched off, csat_responses_90d and
    csat_90d_ratio are null ("no survey system"), never 0.
-#}

{%- set surveys = csops.system_enabled('surveys') %}

with

tickets as (

    select * from {{ ref('int_support_tickets_sla_measured') }}

),

{% if surveys %}
    csat as (

        select * from {{ ref('stg_surveys__csat_responses') }}
        where not is_invalid

    ),
{% endif %}

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

ticket_counts as (

    select
        tickets.customer_id,
        count(case when not tickets.is_solved then 1 end) as open_tickets,
        count(case when {{ csops.within_days_before_as_of('tickets.created_at', 90) }} then 1 end) as tickets_90d,
        count(
            case
                when {{ csops.within_days_before_as_of('tickets.created_at', 90) }}
                    and (tickets.is_first_response_breached or tickets.is_resolution_breached)
                    then 1
            end
        ) as sla_breaches_90d
    from tickets
    cross join as_of
    group by tickets.customer_id

),

{% if surveys %}
    csat_90d as (

        select
            tickets.customer_id,
            count(*) as csat_responses_90d,
            avg(case when csat.is_satisfied then 1.0 else 0.0 end) as csat_90d_ratio
        from csat
        inner join tickets on csat.ticket_id = tickets.ticket_id
        cross join as_of
        where {{ csops.within_days_before_as_of('csat.submitted_at', 90) }}
        group by tickets.customer_id

    ),
{% endif %}

final as (

    select
        ticket_counts.customer_id,
        ticket_counts.open_tickets,
        ticket_counts.tickets_90d,
        ticket_counts.sla_breaches_90d,
        {% if surveys -%}
            coalesce(csat_90d.csat_responses_90d, 0) as csat_responses_90d,
            csat_90d.csat_90d_ratio
        {%- else -%}
            cast(null as bigint) as csat_responses_90d,
            cast(null as double) as csat_90d_ratio
        {%- endif %}
    from ticket_counts
    {% if surveys -%}
        left join csat_90d on ticket_counts.customer_id = csat_90d.customer_id
    {%- endif %}

)

select * from final
