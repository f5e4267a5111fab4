{#-
    The customer 360: one row per customer that has ever had a subscription (trials included),
    today's picture from every system. Internal test accounts are left out.

    Every domain summarises its customers in one intermediate model (int_customers_<domain>_...)
    that owns its rules and windows; this model only joins them, one join per domain. The health
    score (int_customers_health_summarised), the journey stage (int_customers_journey_summarised),
    the CS actions (int_customers_cs_actions_summarised) and the feature requests (int_customers_feature_requests_summarised) join here the same way;
    the churn model's scores (ml_churn_predictions) are already one row per paying customer and
    join as they are (null for a customer not paying today: not scored).

    A switched-off system (var enable_<system> false) has no summary model: its columns are null
    here, meaning "no such system", never 0 ("the system has nothing for this customer"). Product
    feeds seats, active users, utilisation, events and last activity; support feeds tickets, SLA
    breaches and CSAT (CSAT needs surveys too); surveys feed NPS and CSAT.
-#}

{%- set product = csops.system_enabled('product') %}
{%- set support = csops.system_enabled('support') %}
{%- set surveys = csops.system_enabled('surveys') %}

with

revenue as (

    select * from {{ ref('int_customers_revenue_summarised') }}

),

crm as (

    select * from {{ ref('int_customers_crm_summarised') }}

),

payments as (

    select * from {{ ref('int_customers_payment_health') }}

),

renewals as (

    select * from {{ ref('int_customers_renewals_summarised') }}

),

{% if product %}
    licences as (

        select * from {{ ref('int_customers_licences_summarised') }}

    ),
{% endif %}

{% if product %}
    usage as (

        select * from {{ ref('int_customers_usage_summarised') }}

    ),
{% endif %}

health as (

    select * from {{ ref('int_customers_health_summarised') }}

),

journey as (

    select * from {{ ref('int_customers_journey_summarised') }}

),

cs_actions as (

    select * from {{ ref('int_customers_cs_actions_summarised') }}

),

churn_scores as (

    select * from {{ ref('ml_churn_predictions') }}

),

feature_requests as (

    select * from {{ ref('int_customers_feature_requests_summarised') }}

),

{% if support %}
    support as (

        select * from {{ ref('int_customers_support_summarised') }}

    ),
{% endif %}

{% if surveys %}
    nps as (

        select * from {{ ref('int_customers_nps_summarised') }}

    ),
{% endif %}

final as (

    select
        -- ids
        revenue.customer_id,
        revenue.customer_account_id as crm_account_id,
        revenue.billing_customer_id,
        crm.owner_user_id,
        -- attributes
        crm.account_name as customer_name,
        crm.website_domain,
        crm.segment,
        crm.industry,
        crm.employee_count,
        crm.billing_country_code,
        crm.currency_code,
        crm.owner_name,
        crm.owner_role,
        crm.subsidiary_accounts,
        revenue.billing_customers,
        revenue.lifecycle_status,
        revenue.churn_type,
        revenue.is_cancel_scheduled,
        payments.payment_status,
        -- measures
        revenue.mrr_amount,
        revenue.arr_amount,
        renewals.next_renewal_arr_amount,
        renewals.days_to_renewal,
        coalesce(payments.open_invoices, 0) as open_invoices,
        coalesce(payments.overdue_amount, 0) as overdue_amount,
        coalesce(payments.failed_payments_90d, 0) as failed_payments_90d,
        payments.days_in_dunning,
        {{ 'coalesce(licences.seats, 0)' if product else 'cast(null as bigint)' }} as seats,
        {{ 'coalesce(usage.active_users_28d, 0)' if product else 'cast(null as bigint)' }} as active_users_28d,
        {{ 'licences.licence_utilisation_ratio' if product else 'cast(null as double)' }} as licence_utilisation_ratio,
        {{ 'coalesce(usage.events_28d, 0)' if product else 'cast(null as bigint)' }} as events_28d,
        {{ 'coalesce(support.open_tickets, 0)' if support else 'cast(null as bigint)' }} as open_tickets,
        {{ 'coalesce(support.tickets_90d, 0)' if support else 'cast(null as bigint)' }} as tickets_90d,
        {{ 'coalesce(support.sla_breaches_90d, 0)' if support else 'cast(null as bigint)' }} as sla_breaches_90d,
        {{ 'support.csat_90d_ratio' if support else 'cast(null as double)' }} as csat_90d_ratio,
        {{ 'nps.latest_nps_score' if surveys else 'cast(null as integer)' }} as latest_nps_score,
        {{ 'nps.latest_nps_category' if surveys else 'cast(null as varchar)' }} as latest_nps_category,
        {{ 'nps.nps_90d' if surveys else 'cast(null as double)' }} as nps_90d,
        -- health (today's score, band, 30-day change and what pulls it down most)
        health.health_score,
        health.health_band,
        health.health_score_change_30d,
        health.health_trend,
        health.health_top_driver,
        -- journey stage today (fct_customer_journey_daily)
        journey.journey_stage,
        journey.days_in_journey_stage,
        journey.is_onboarding_overdue,
        journey.time_to_value_days,
        -- churn risk today (ml_churn_predictions: the selected churn model, or its documented fallback)
        churn_scores.churn_probability,
        churn_scores.risk_tier as churn_risk_tier,
        churn_scores.arr_at_risk_amount,
        case
            when churn_scores.driver_1 is not null
                then churn_scores.driver_1 || ' (' || churn_scores.driver_1_direction || ')'
        end as churn_top_driver,
        -- CS actions the plays raised (fct_cs_actions) and product feedback (fct_feature_requests)
        coalesce(cs_actions.open_cs_actions, 0) as open_cs_actions,
        coalesce(cs_actions.overdue_cs_actions, 0) as overdue_cs_actions,
        cs_actions.latest_cs_action_play_id,
        cs_actions.latest_cs_action_status,
        coalesce(feature_requests.feature_requests_90d, 0) as feature_requests_90d,
        coalesce(feature_requests.product_feature_requests_90d, 0) as product_feature_requests_90d,
        feature_requests.top_requested_feature_area_90d,
        -- dates
        cast(revenue.first_subscription_at as date) as first_contract_date,
        cast(revenue.first_paid_at as date) as customer_since_date,
        revenue.churned_month,
        revenue.canceled_at,
        renewals.next_renewal_date,
        {{ 'usage.last_active_date' if product else 'cast(null as date)' }} as last_active_date,
        {{ 'nps.latest_nps_date' if surveys else 'cast(null as date)' }} as latest_nps_date,
        journey.journey_stage_entered_date,
        journey.first_value_date,
        cs_actions.latest_cs_action_date,
        feature_requests.last_feature_request_date
    from revenue
    inner join crm on revenue.customer_account_id = crm.customer_account_id
    left join payments on revenue.customer_id = payments.customer_id
    left join renewals on revenue.customer_id = renewals.customer_id
    left join health on revenue.customer_id = health.customer_id
    left join journey on revenue.customer_id = journey.customer_id
    left join cs_actions on revenue.customer_id = cs_actions.customer_id
    left join churn_scores on revenue.customer_id = churn_scores.customer_id
    left join feature_requests on revenue.customer_id = feature_requests.customer_id
    {% if product %}
        left join licences on revenue.customer_id = licences.customer_id
        left join usage on revenue.customer_id = usage.customer_id
    {% endif %}
    {% if support %}
        left join support on revenue.customer_id = support.customer_id
    {% endif %}
    {% if surveys %}
        left join nps on revenue.customer_id = nps.customer_id
    {% endif %}
    where not crm.is_test_account

)

select * from final
