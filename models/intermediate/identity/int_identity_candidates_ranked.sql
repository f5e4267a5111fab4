{#-
    Identity resolution, step 3: every customer each record could belong to, one row per rule that
    points somewhere, ranked. Rules in priority order:
      1 crm_account_id        an explicit CRM id carried by the record (billing, CS platform)
      2 domain                the record's domain or email domain is a customer's website domain
      3 contact_email_domain  ... is the email domain of a customer's CRM contacts
      4 contact_email         the record's email is a CRM contact's email
      5 company_name          the normalised name equals a customer account's name
      6 member_emails         most of the people behind the record (workspace users, ticket
                              requesters) point at the same customer, by rules 2-4
    A candidate from an ambiguous key (one several customers share), or from people who are not a
    clear majority, is kept with is_ambiguous = true and ranked after every clear one. The
    resolver takes candidate_rank 1.
-#}

with

records as (

    select * from {{ ref('int_identity_records_unioned') }}

),

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

match_keys as (

    select * from {{ ref('int_customer_match_keys') }}

),

people as (

    select * from {{ ref('int_identity_people_matched') }}
    where source_table in ('workspaces', 'organizations')

),

member_votes as (

    select
        source_table,
        source_id,
        matched_customer_account_id as customer_account_id,
        sum(appearances) as votes,
        sum(sum(appearances)) over (partition by source_table, source_id) as matched_members
    from people
    where matched_customer_account_id is not null
    group by source_table, source_id, matched_customer_account_id

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

final as (

    select
        source_table,
        source_id,
        match_priority,
        match_method,
        customer_account_id,
        is_ambiguous,
        row_number() over (
            partition by source_table, source_id
            order by is_ambiguous asc, match_priority asc, customer_account_id asc
        ) as candidate_rank,
        count(distinct case when not is_ambiguous then customer_account_id end)
            over (partition by source_table, source_id) as distinct_customers_matched
    from candidates

)

select * from final
