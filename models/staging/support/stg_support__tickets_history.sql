{#
    Every version of each support ticket: one row per ticket and load (_loaded_at), ties within a
    load resolved as for the current state (csops.load_versions), renamed and flagged here once. A
    ticket changes as the help desk works it (status, first response, solution); valid_from /
    valid_to: from this load to the ticket's next load (null: the current version).
    stg_support__tickets is the current rows of this model; the state as known at an instant is
    csops.as_known_at(ref('stg_support__tickets_history'), at).
#}
with

source as (

    select * from {{ source('support', 'tickets') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
