with

source as (

    select * from {{ source('support', 'tickets') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as ticket_id,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        {{ csops.normalize_email('requester_email') }} as requester_email,
        {{ csops.email_domain('requester_email') }} as requester_email_domain,
        trim(subject) as ticket_subject,
        lower(trim(priority)) as ticket_priority,
        lower(trim(type)) as ticket_type,
        lower(trim(requested_feature)) as requested_feature_key,
        lower(trim(status)) as ticket_status,
        lower(trim(status)) in ('solved', 'closed') as is_solved,
        {{ csops.iso_to_utc('created_at') }} as created_at,
        {{ csops.iso_to_utc('first_responded_at') }} as first_responded_at,
        {{ csops.iso_to_utc('solved_at') }} as solved_at,
        {{ csops.iso_to_utc('updated_at') }} as updated_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('requester_email_domain') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at', 'first_responded_at', 'solved_at', 'updated_at']) }},
            case
                when organization_id is null and requester_email is null then 'no_organization_or_requester'
                when solved_at < created_at then 'solved_before_created'
                when first_responded_at < created_at then 'responded_before_created'
            end
        ) as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
