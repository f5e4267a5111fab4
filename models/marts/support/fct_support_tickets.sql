{#- One row per support ticket of a customer, with response and resolution times against the SLA. -#}

with

tickets as (

    select * from {{ ref('int_support_tickets_sla_measured') }}

),

final as (

    select
        ticket_id,
        customer_id,
        organization_id,
        ticket_priority,
        ticket_type,
        ticket_status,
        requested_feature_key,
        is_solved,
        first_response_minutes,
        resolution_minutes,
        first_response_target_minutes,
        resolution_target_minutes,
        is_first_response_breached,
        is_resolution_breached,
        created_at,
        first_responded_at,
        solved_at
    from tickets

)

select * from final
