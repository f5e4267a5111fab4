{#-
    Identity resolution: every record of every system that names a customer - CRM accounts and
    contacts, billing customers, product workspaces, support organisations and tickets, NPS and
    CSAT respondents, community members, CS platform activities - mapped to one customer_id.

    Rules, in priority order (the first rule that gives exactly one customer wins):
      1 crm_account_id        an explicit CRM id carried by the record (billing, CS platform)
      2 domain                the record's domain or email domain is a customer's website domain
      3 contact_email_domain  ... is the email domain of a customer's CRM contacts
      4 contact_email         the record's email is a CRM contact's email
      5 company_name          the normalised name equals a customer account's name
      6 member_emails         most of the people behind the record (workspace users, ticket
                              requesters) resolve to the same customer by rules 2-4
    A support ticket inherits its organisation's customer (rule 1, support_organization) before
    falling back to its requester's email. Every record gets a row: unresolved ones with
    customer_id null and a reason, which rpt_identity_resolution_issues lists for CS Ops.
-#}

with

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

match_keys as (

    select * from {{ ref('int_customer_match_keys') }}

),

billing_customers as (

    select * from {{ ref('stg_billing__customers') }}

),

workspaces as (

    select * from {{ ref('stg_product__workspaces') }}

),

product_users as (

    select * from {{ ref('stg_product__users') }}

),

organizations as (

    select * from {{ ref('stg_support__organizations') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

nps_responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

csat_responses as (

    select * from {{ ref('stg_surveys__csat_responses') }}

),

activities as (

    select * from {{ ref('stg_cs_platform__activities') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

staged_accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

{% if var('enable_community', true) %}
    community_members as (

        select * from {{ ref('stg_community__members') }}

    ),
{% endif %}

-- every record that names a customer, with the clues it carries
records as (

    select
        'billing' as source_system,
        'customers' as source_table,
        billing_customer_id as source_id,
        crm_account_id,
        email_domain as domain,
        email,
        {{ csops.normalize_company_name('customer_name') }} as company_name,
        is_test_account
    from billing_customers

    union all

    select
        'product' as source_system,
        'workspaces' as source_table,
        workspace_id as source_id,
        null as crm_account_id,
        domain,
        null as email,
        null as company_name,
        is_test_account
    from workspaces

    union all

    select
        'support' as source_system,
        'organizations' as source_table,
        organization_id as source_id,
        null as crm_account_id,
        domain,
        null as email,
        {{ csops.normalize_company_name('organization_name') }} as company_name,
        is_test_account
    from organizations

    union all

    select
        'surveys' as source_system,
        'nps_responses' as source_table,
        nps_response_id as source_id,
        null as crm_account_id,
        respondent_email_domain as domain,
        respondent_email as email,
        null as company_name,
        is_test_account
    from nps_responses

    union all

    select
        'surveys' as source_system,
        'csat_responses' as source_table,
        csat_response_id as source_id,
        null as crm_account_id,
        respondent_email_domain as domain,
        respondent_email as email,
        null as company_name,
        is_test_account
    from csat_responses

    union all

    select
        'cs_platform' as source_system,
        'activities' as source_table,
        activity_id as source_id,
        account_id as crm_account_id,
        null as domain,
        null as email,
        null as company_name,
        false as is_test_account
    from activities

    {% if var('enable_community', true) %}
        union all

        select
            'community' as source_system,
            'members' as source_table,
            member_id as source_id,
            null as crm_account_id,
            email_domain as domain,
            email,
            null as company_name,
            is_test_account
        from community_members
    {% endif %}

),

-- the people behind workspaces (users) and support organisations (ticket requesters)
member_emails as (

    select
        'workspaces' as source_table,
        workspace_id as source_id,
        email,
        email_domain as domain
    from product_users
    where email is not null

    union all

    select
        'organizations' as source_table,
        organization_id as source_id,
        requester_email as email,
        requester_email_domain as domain
    from tickets
    where organization_id is not null and requester_email is not null

),

-- every email address seen on a person (workspace user, ticket requester) with the customer its
-- exact address, its domain and its contacts' domain point at
people as (

    select distinct
        email,
        domain
    from member_emails

    union

    select distinct
        requester_email as email,
        requester_email_domain as domain
    from tickets
    where requester_email is not null

),

people_matched as (

    select
        people.email,
        by_email.customer_account_id as email_customer_account_id,
        by_domain.customer_account_id as domain_customer_account_id,
        by_contact_domain.customer_account_id as contact_domain_customer_account_id
    from people
    left join match_keys as by_email
        on
            by_email.match_key_type = 'contact_email'
            and people.email = by_email.match_key
            and not by_email.is_ambiguous
    left join match_keys as by_domain
        on
            by_domain.match_key_type = 'domain'
            and people.domain = by_domain.match_key
            and not by_domain.is_ambiguous
    left join match_keys as by_contact_domain
        on
            by_contact_domain.match_key_type = 'contact_email_domain'
            and people.domain = by_contact_domain.match_key
            and not by_contact_domain.is_ambiguous

),

member_matches as (

    select
        member_emails.source_table,
        member_emails.source_id,
        coalesce(
            people_matched.email_customer_account_id,
            people_matched.domain_customer_account_id,
            people_matched.contact_domain_customer_account_id
        ) as customer_account_id
    from member_emails
    inner join people_matched on member_emails.email = people_matched.email

),

member_votes as (

    select
        source_table,
        source_id,
        customer_account_id,
        count(*) as votes,
        sum(count(*)) over (partition by source_table, source_id) as matched_members
    from member_matches
    where customer_account_id is not null
    group by source_table, source_id, customer_account_id

),

candidates as (

    select
        records.source_table,
        records.source_id,
        1 as match_priority,
        'crm_account_id' as match_method,
        unified.customer_account_id,
        false as is_ambiguous
    from records
    inner join unified on records.crm_account_id = unified.account_id

    {% for key_type, column, priority in [
        ('domain', 'domain', 2),
        ('contact_email_domain', 'domain', 3),
        ('contact_email', 'email', 4),
        ('company_name', 'company_name', 5),
    ] %}
        union all

        select
            records.source_table,
            records.source_id,
            {{ priority }} as match_priority,
            '{{ key_type }}' as match_method,
            match_keys.customer_account_id,
            match_keys.is_ambiguous
        from records
        inner join match_keys
            on
                match_keys.match_key_type = '{{ key_type }}'
                and records.{{ column }} = match_keys.match_key
    {% endfor %}

    union all

    select
        source_table,
        source_id,
        6 as match_priority,
        'member_emails' as match_method,
        customer_account_id,
        -- a majority of the matched people, and more than any other customer
        votes * 2 <= matched_members as is_ambiguous
    from member_votes

),

ranked as (

    select
        *,
        row_number() over (
            partition by source_table, source_id
            order by is_ambiguous asc, match_priority asc, customer_account_id asc
        ) as candidate_rank,
        count(distinct case when not is_ambiguous then customer_account_id end)
            over (partition by source_table, source_id) as distinct_customers_matched
    from candidates

),

best as (

    select * from ranked
    where candidate_rank = 1

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

ticket_matches as (

    select
        tickets.ticket_id,
        tickets.is_test_account,
        coalesce(
            organization.customer_account_id,
            requester.email_customer_account_id,
            requester.domain_customer_account_id
        ) as customer_account_id,
        case
            when organization.customer_account_id is not null then 'support_organization'
            when requester.email_customer_account_id is not null then 'contact_email'
            when requester.domain_customer_account_id is not null then 'domain'
        end as match_method
    from tickets
    left join resolved_records as organization
        on
            organization.source_table = 'organizations'
            and tickets.organization_id = organization.source_id
    left join people_matched as requester on tickets.requester_email = requester.email

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

all_links as (

    select * from resolved_records
    union all
    select * from crm_accounts
    union all
    select * from crm_contacts
    union all
    select * from support_tickets

),

final as (

    select
        {{ csops.generate_surrogate_key(['source_system', 'source_table', 'source_id']) }} as identity_link_id,
        case
            when customer_account_id is not null
                then {{ csops.generate_surrogate_key(['customer_account_id']) }}
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
