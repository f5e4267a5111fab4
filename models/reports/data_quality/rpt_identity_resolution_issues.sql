{#-
    What CS Ops should fix in the source systems so that every system agrees on who the customer is.
    One row per problem record:
    - unresolved: a billing customer, workspace, support organisation, ticket, respondent or
      community member that no rule could place (no_match) or that several customers claim
      (ambiguous_match);
    - conflicting_match: rules disagree - e.g. billing's CRM id names one customer and the email
      domain another (the higher-priority rule won; check it);
    - several_billing_customers: one customer has more than one live billing customer;
    - merged_duplicate_account: a CRM account merged into another account with the same domain
      (merge it in the CRM);
    - unbilled_domain_conflict: two top-level CRM accounts billing both points at share a domain.
-#}

with

links as (

    select * from {{ ref('int_customers_identity_resolved') }}

),

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

billing_customers as (

    select * from {{ ref('stg_billing__customers') }}

),

unresolved as (

    select
        source_system,
        source_table,
        source_id,
        'unresolved' as issue_type,
        unresolved_reason as issue_reason,
        cast(null as {{ dbt.type_string() }}) as customer_account_id
    from links
    where not is_resolved and not is_test_account

),

conflicting as (

    select
        source_system,
        source_table,
        source_id,
        'conflicting_match' as issue_type,
        'rules matched ' || cast(distinct_customers_matched as {{ dbt.type_string() }})
        || ' customers; kept the ' || match_method || ' match' as issue_reason,
        customer_account_id
    from links
    where distinct_customers_matched > 1 and not is_test_account

),

billing_links as (

    select
        links.source_system,
        links.source_table,
        links.source_id,
        links.customer_account_id,
        count(*) over (partition by links.customer_id) as billing_customers_of_customer
    from links
    inner join billing_customers on links.source_id = billing_customers.billing_customer_id
    where
        links.source_table = 'customers'
        and links.is_resolved
        and not links.is_test_account
        and not billing_customers.is_deleted

),

several_billing_customers as (

    select
        source_system,
        source_table,
        source_id,
        'several_billing_customers' as issue_type,
        'customer has ' || cast(billing_customers_of_customer as {{ dbt.type_string() }})
        || ' billing customers' as issue_reason,
        customer_account_id
    from billing_links
    where billing_customers_of_customer > 1

),

merged_duplicates as (

    select
        'crm' as source_system,
        'accounts' as source_table,
        account_id as source_id,
        'merged_duplicate_account' as issue_type,
        'same website domain as account ' || customer_account_id as issue_reason,
        customer_account_id
    from unified
    where match_method in ('duplicate_domain', 'parent_rollup+duplicate_domain')

),

domain_conflicts as (

    select
        'crm' as source_system,
        'accounts' as source_table,
        unified.account_id as source_id,
        'unbilled_domain_conflict' as issue_type,
        'website domain ' || accounts.website_domain || ' is shared by '
        || cast(unified.accounts_with_domain as {{ dbt.type_string() }}) || ' top-level accounts' as issue_reason,
        unified.customer_account_id
    from unified
    inner join accounts on unified.account_id = accounts.account_id
    where
        unified.hierarchy_depth = 0
        and unified.accounts_with_domain > 1
        and unified.match_method = 'crm_account'
        and accounts.website_domain is not null
        and not accounts.is_test_account
        and exists (
            select other.account_id
            from unified as other
            inner join accounts as other_account on other.account_id = other_account.account_id
            where
                other_account.website_domain = accounts.website_domain
                and other.account_id != unified.account_id
                and other.match_method = 'crm_account'
                and other.hierarchy_depth = 0
        )

),

final as (

    select
        {{ csops.generate_surrogate_key(['source_system', 'source_table', 'source_id', 'issue_type']) }}
            as identity_issue_id,
        source_system,
        source_table,
        source_id,
        issue_type,
        issue_reason,
        customer_account_id
    from (
        select * from unresolved
        union all
        select * from conflicting
        union all
        select * from several_billing_customers
        union all
        select * from merged_duplicates
        union all
        select * from domain_conflicts
    ) as issues

)

select * from final
