{#-
    The keys other systems can be matched on, each pointing at a customer account:
    - domain: the website domain of a customer's accounts (parent and subsidiaries);
    - contact_email_domain: the email domain of a customer's CRM contacts;
    - contact_email: the exact email of a CRM contact;
    - company_name: an account's name, normalised (legal forms and punctuation removed).
    Personal mailbox domains (seed personal_email_domains) and our own domains are never keys, and
    neither is an exact address at a personal mailbox: it names a person, not a company, and the
    same address turns up at unrelated customers (lucaschen0@icloud.com at two companies).
    A key that points at more than one customer is kept with is_ambiguous = true: rules skip it
    and the identity report lists what it blocked.
-#}

with

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

personal_domains as (

    select email_domain from {{ ref('personal_email_domains') }}

),

website_keys as (

    select
        'domain' as match_key_type,
        accounts.website_domain as match_key,
        unified.customer_account_id
    from accounts
    inner join unified on accounts.account_id = unified.account_id
    where accounts.website_domain is not null and not accounts.is_test_account

),

contact_domain_keys as (

    select
        'contact_email_domain' as match_key_type,
        contacts.email_domain as match_key,
        unified.customer_account_id
    from contacts
    inner join unified on contacts.account_id = unified.account_id
    where
        contacts.email_domain is not null
        and not contacts.is_test_account
        and contacts.email_domain not in (select personal_domains.email_domain from personal_domains)

),

contact_email_keys as (

    select
        'contact_email' as match_key_type,
        contacts.email as match_key,
        unified.customer_account_id
    from contacts
    inner join unified on contacts.account_id = unified.account_id
    where
        contacts.email is not null
        and not contacts.is_test_account
        and coalesce(contacts.email_domain, '') not in (select personal_domains.email_domain from personal_domains)

),

name_keys as (

    select
        'company_name' as match_key_type,
        {{ csops.normalize_company_name('accounts.account_name') }} as match_key,
        unified.customer_account_id
    from accounts
    inner join unified on accounts.account_id = unified.account_id
    where not accounts.is_test_account

),

all_keys as (

    select * from website_keys
    union all
    select * from name_keys
    union all
    select * from contact_domain_keys
    union all
    select * from contact_email_keys

),

final as (

    select
        match_key_type,
        match_key,
        min(customer_account_id) as customer_account_id,
        count(distinct customer_account_id) as candidate_count,
        count(distinct customer_account_id) > 1 as is_ambiguous
    from all_keys
    where match_key is not null
    group by match_key_type, match_key

)

select * from final
