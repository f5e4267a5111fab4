{#-
    Identity resolution, step 4 - the resolver: every record of every system that names a
    customer mapped to one customer_id.
    - CRM accounts belong to their unified account (parents and merged duplicates included) and
      CRM contacts to their account's;
    - every other record (int_identity_records_unioned) takes its best candidate
      (int_identity_candidates_ranked): the first rule, in priority order, that gives exactly one
      customer;
    - a support ticket inherits its organisation's customer before falling back to its
      requester's email, then their email domain (int_identity_people_matched).
    Every record gets a row: unresolved ones with customer_id null and a reason, which
    rpt_identity_resolution_issues lists for CS Ops. Other models link their records to customers
    through the macro csops.customer_links, never by reading this model's filters themselves.
-#}

with

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

best as (

    select * from {{ ref('int_identity_candidates_ranked') }}
    where candidate_rank = 1

),

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

staged_accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

{% if csops.system_enabled('support') %}
    tickets as (

        select * from {{ ref('stg_support__tickets') }}

    ),
{% endif %}

requesters as (

    select * from {{ ref('int_identity_people_matched') }}
    where source_table = 'tickets'

),

resolved_records as (

    select
        records.source_system,
        records.source_table,
        records.source_id,
        records.is_test_account,
        case when not best.is_ambiguous then best.customer_account_id end as customer_account_id,
        case when not best.is_ambiguous then best.match_method end as match_method,
        case when not best.is_ambiguous then best.match_priority end as match_priority,
        coalesce(best.distinct_customers_matched, 0) as distinct_customers_matched,
        case
            when best.source_id is null then 'no_match'
            when best.is_ambiguous then 'ambiguous_match'
        end as unresolved_reason
    from records
    left join best
        on
            records.source_table = best.source_table
            and records.source_id = best.source_id

),

crm_accounts as (

    select
        'crm' as source_system,
        'accounts' as source_table,
        unified.account_id as source_id,
        staged_accounts.is_test_account,
        unified.customer_account_id,
        unified.match_method,
        0 as match_priority,
        1 as distinct_customers_matched,
        null as unresolved_reason
    from unified
    inner join staged_accounts on unified.account_id = staged_accounts.account_id

),

crm_contacts as (

    select
        'crm' as source_system,
        'contacts' as source_table,
        contacts.contact_id as source_id,
        contacts.is_test_account,
        unified.customer_account_id,
        'crm_account' as match_method,
        0 as match_priority,
        1 as distinct_customers_matched,
        null as unresolved_reason
    from contacts
    inner join unified on contacts.account_id = unified.account_id

),

{% if csops.system_enabled('support') %}
    ticket_matches as (

        select
            tickets.ticket_id,
            tickets.is_test_account,
            coalesce(
                organization.customer_account_id,
                requesters.email_customer_account_id,
                requesters.domain_customer_account_id
            ) as customer_account_id,
            case
                when organization.customer_account_id is not null then 'support_organization'
                when requesters.email_customer_account_id is not null then 'contact_email'
                when requesters.domain_customer_account_id is not null then 'domain'
            end as match_method
        from tickets
        left join resolved_records as organization
            on
                organization.source_table = 'organizations'
                and tickets.organization_id = organization.source_id
        left join requesters on tickets.ticket_id = requesters.source_id

    ),

    support_tickets as (

        select
            'support' as source_system,
            'tickets' as source_table,
            ticket_id as source_id,
            is_test_account,
            customer_account_id,
            match_method,
            case match_method
                when 'support_organization' then 1
                when 'domain' then 2
                when 'contact_email' then 4
            end as match_priority,
            case when customer_account_id is null then 0 else 1 end as distinct_customers_matched,
            case when customer_account_id is null then 'no_match' end as unresolved_reason
        from ticket_matches

    ),
{% endif %}

all_links as (

    select * from resolved_records
    union all
    select * from crm_accounts
    union all
    select * from crm_contacts
    {% if csops.system_enabled('support') %}
        union all
        select * from support_tickets
    {% endif %}

),

final as (

    select
        {{ csops.generate_surrogate_key(['source_system', 'source_table', 'source_id']) }} as identity_link_id,
        case
            when customer_account_id is not null
                then {{ csops.customer_id_of_account('customer_account_id') }}
        end as customer_id,
        source_system,
        source_table,
        source_id,
        customer_account_id,
        match_method,
        match_priority,
        distinct_customers_matched,
        unresolved_reason,
        is_test_account,
        customer_account_id is not null as is_resolved
    from all_links

)

select * from final
