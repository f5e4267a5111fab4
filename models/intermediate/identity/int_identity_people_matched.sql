{#-
    Identity resolution, step 2: the people behind records - the users of a product workspace,
    the ticket requesters of a support organisation, the requester of each ticket - and the
    customer each person's address points at: their exact email as a CRM contact's email, their
    email domain as a customer's website domain, or as the email domain of a customer's contacts
    (ambiguous keys never count). The resolver uses them as votes: a workspace without a domain
    belongs to the customer most of its people belong to. appearances counts how often the person
    appears on the record (one per user row or per ticket), which is the weight of their vote.
    A switched-off product or support system (csops.system_enabled) contributes no people.
-#}

with

match_keys as (

    select * from {{ ref('int_customer_match_keys') }}
    where not is_ambiguous

),

{% if csops.system_enabled('product') %}
    product_users as (

        select * from {{ ref('stg_product__users') }}

    ),
{% endif %}

{% if csops.system_enabled('support') %}
    tickets as (

        select * from {{ ref('stg_support__tickets') }}

    ),
{% endif %}

people_on_records as (

    -- no people when both the product and the support system are switched off
    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as source_id,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as domain
    where false

    {% if csops.system_enabled('product') %}
        union all

        select
            'workspaces' as source_table,
            workspace_id as source_id,
            email,
            email_domain as domain
        from product_users
        where email is not null
    {% endif %}

    {% if csops.system_enabled('support') %}
        union all

        select
            'organizations' as source_table,
            organization_id as source_id,
            requester_email as email,
            requester_email_domain as domain
        from tickets
        where organization_id is not null and requester_email is not null

        union all

        select
            'tickets' as source_table,
            ticket_id as source_id,
            requester_email as email,
            requester_email_domain as domain
        from tickets
        where requester_email is not null
    {% endif %}

),

people as (

    select
        source_table,
        source_id,
        email,
        domain,
        count(*) as appearances
    from people_on_records
    group by source_table, source_id, email, domain

),

final as (

    select
        people.source_table,
        people.source_id,
        people.email,
        people.appearances,
        by_email.customer_account_id as email_customer_account_id,
        by_domain.customer_account_id as domain_customer_account_id,
        by_contact_domain.customer_account_id as contact_domain_customer_account_id,
        coalesce(
            by_email.customer_account_id,
            by_domain.customer_account_id,
            by_contact_domain.customer_account_id
        ) as matched_customer_account_id
    from people
    left join match_keys as by_email
        on
            by_email.match_key_type = 'contact_email'
            and people.email = by_email.match_key
    left join match_keys as by_domain
        on
            by_domain.match_key_type = 'domain'
            and people.domain = by_domain.match_key
    left join match_keys as by_contact_domain
        on
            by_contact_domain.match_key_type = 'contact_email_domain'
            and people.domain = by_contact_domain.match_key

)

select * from final
