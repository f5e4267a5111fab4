{#-
    Identity resolution, step 1: every record of another system that names a customer, with the
    clues it carries - an explicit CRM id, a domain, an email, a company name. CRM accounts and
    contacts belong to their account already, and support tickets follow their organisation, so
    they are placed by the resolver (int_customers_identity_resolved) instead. A switched-off
    system (var enable_<system> false; csops.system_enabled) contributes no records.
-#}

with

billing_customers as (

    select * from {{ ref('stg_billing__customers') }}

),

{% if csops.system_enabled('product') %}
    workspaces as (

        select * from {{ ref('stg_product__workspaces') }}

    ),
{% endif %}

{% if csops.system_enabled('support') %}
    organizations as (

        select * from {{ ref('stg_support__organizations') }}

    ),
{% endif %}

{% if csops.system_enabled('surveys') %}
    nps_responses as (

        select * from {{ ref('stg_surveys__nps_responses') }}

    ),

    csat_responses as (

        select * from {{ ref('stg_surveys__csat_responses') }}

    ),
{% endif %}

{% if csops.system_enabled('cs_platform') %}
    activities as (

        select * from {{ ref('stg_cs_platform__activities') }}

    ),
{% endif %}

{% if csops.system_enabled('community') %}
    community_members as (

        select * from {{ ref('stg_community__members') }}

    ),
{% endif %}

final as (

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

    {% if csops.system_enabled('product') %}
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
    {% endif %}

    {% if csops.system_enabled('support') %}
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
    {% endif %}

    {% if csops.system_enabled('surveys') %}
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
    {% endif %}

    {% if csops.system_enabled('cs_platform') %}
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
    {% endif %}

    {% if csops.system_enabled('community') %}
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

)

select * from final
