{#-
    Every CRM account mapped to the account that stands for the customer:
    1. subsidiaries roll up to their top-level parent (up to three levels);
    2. duplicate top-level accounts that sales created for a company we already have (same website
       domain) merge into one canonical account: the one billing points at, else a customer-type
       account, else the oldest. Two accounts that billing both points at are never merged; they
       are reported as a conflict in rpt_identity_resolution_issues.
-#}

with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

billing_references as (

    select distinct crm_account_id as account_id
    from {{ ref('stg_billing__customers') }}
    where crm_account_id is not null

),

rolled_up as (

    select
        accounts.account_id,
        accounts.parent_account_id,
        coalesce(level_3.account_id, level_2.account_id, level_1.account_id, accounts.account_id)
            as top_account_id,
        case
            when level_1.account_id is null then 0
            when level_2.account_id is null then 1
            when level_3.account_id is null then 2
            else 3
        end as hierarchy_depth,
        level_3.parent_account_id is not null as is_hierarchy_too_deep
    from accounts
    left join accounts as level_1 on accounts.parent_account_id = level_1.account_id
    left join accounts as level_2 on level_1.parent_account_id = level_2.account_id
    left join accounts as level_3 on level_2.parent_account_id = level_3.account_id

),

top_accounts as (

    select
        accounts.account_id,
        accounts.website_domain,
        accounts.account_type,
        accounts.created_at,
        accounts.is_test_account,
        billing_references.account_id is not null as is_billed
    from accounts
    left join billing_references on accounts.account_id = billing_references.account_id
    where accounts.parent_account_id is null

),

ranked_by_domain as (

    select
        *,
        count(*) over (partition by website_domain) as accounts_with_domain,
        row_number() over (
            partition by website_domain
            order by is_billed desc, account_type = 'customer' desc, created_at asc, account_id asc
        ) as domain_rank
    from top_accounts

),

canonical as (

    select
        ranked.account_id,
        ranked.accounts_with_domain,
        case
            -- a billed account stays itself; other duplicates merge into the domain's first account
            when ranked.website_domain is null or ranked.is_billed or ranked.is_test_account
                then ranked.account_id
            else first_in_domain.account_id
        end as customer_account_id
    from ranked_by_domain as ranked
    left join ranked_by_domain as first_in_domain
        on
            ranked.website_domain = first_in_domain.website_domain
            and first_in_domain.domain_rank = 1

),

final as (

    select
        rolled_up.account_id,
        canonical.customer_account_id,
        rolled_up.top_account_id,
        rolled_up.hierarchy_depth,
        rolled_up.is_hierarchy_too_deep,
        canonical.accounts_with_domain,
        case
            when rolled_up.hierarchy_depth > 0 and canonical.customer_account_id != rolled_up.top_account_id
                then 'parent_rollup+duplicate_domain'
            when rolled_up.hierarchy_depth > 0 then 'parent_rollup'
            when canonical.customer_account_id != rolled_up.account_id then 'duplicate_domain'
            else 'crm_account'
        end as match_method
    from rolled_up
    inner join canonical on rolled_up.top_account_id = canonical.account_id

)

select * from final
