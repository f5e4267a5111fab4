{#-
    What the CRM says about each customer: one row per canonical CRM account (the account that
    stands for the customer after parents and duplicates are merged, int_crm_accounts_unified)
    with its name, segment, industry, owner CSM and how many subsidiaries roll up into it.
-#}

with

unified as (

    select * from {{ ref('int_crm_accounts_unified') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

customer_accounts as (

    select distinct customer_account_id
    from unified

),

subsidiaries as (

    select
        customer_account_id,
        count(*) as subsidiary_accounts
    from unified
    where hierarchy_depth > 0
    group by customer_account_id

),

final as (

    select
        {{ csops.customer_id_of_account('customer_accounts.customer_account_id') }} as customer_id,
        customer_accounts.customer_account_id,
        accounts.owner_user_id,
        accounts.account_name,
        accounts.website_domain,
        accounts.segment,
        accounts.industry,
        accounts.employee_count,
        accounts.billing_country_code,
        accounts.currency_code,
        owners.full_name as owner_name,
        owners.user_role as owner_role,
        coalesce(subsidiaries.subsidiary_accounts, 0) as subsidiary_accounts,
        accounts.is_test_account
    from customer_accounts
    inner join accounts on customer_accounts.customer_account_id = accounts.account_id
    left join users as owners on accounts.owner_user_id = owners.user_id
    left join subsidiaries on customer_accounts.customer_account_id = subsidiaries.customer_account_id

)

select * from final
