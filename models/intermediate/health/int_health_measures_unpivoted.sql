{{ config(materialized='table') }}

{#-
    Every health measure of every scored customer-day, one row per measure (seed health_measures
    describes each): the measure's raw value and the day of its latest input where the measure has
    one (surveys, check-ins: the scorecard's freshness limit reads it). A measure without a value
    has no row; the scorecard says what its absence means. A switched-off system's measures never
    have rows. Counts are 0, not missing, when the system is there and nothing happened (no
    ticket in 90 days is 0 tickets per seat; no failed payment is a failure rate of 0 when an
    invoice was created) - from the first day the system had delivered anything: an empty export
    is no data, not zero tickets or zero use.
-#}

{%- set product = csops.system_enabled('product') -%}
{%- set support = csops.system_enabled('support') -%}
{%- set surveys = csops.system_enabled('surveys') -%}
{%- set cs_platform = csops.system_enabled('cs_platform') -%}
{%- set community = csops.system_enabled('community') -%}

{#- measure: (system on?, value expression, last input day expression) over the wide CTE -#}
{%- set measures = {
    'usage_breadth': (product, 'product.usage_breadth', none),
    'usage_depth': (product, 'product.usage_depth', none),
    'usage_stickiness': (product, 'product.usage_stickiness', none),
    'licence_utilisation': (product, 'product.licence_utilisation', none),
    'usage_momentum': (product, 'product.usage_momentum', none),
    'onboarding_progress': (product, 'product.onboarding_progress', none),
    'support_tickets_per_seat': (support,
        'coalesce(support.support_tickets_per_seat, case when customer_days.seats > 0 and '
        ~ 'customer_days.scored_date >= systems_known.support_known_date then 0 end)', none),
    'support_high_priority_tickets': (support, 'coalesce(support.support_high_priority_tickets, '
        ~ 'case when customer_days.scored_date >= systems_known.support_known_date then 0 end)', none),
    'support_sla_breaches': (support, 'support.support_sla_breaches', none),
    'csat': (surveys, 'surveys.csat', 'surveys.csat_last_input_date'),
    'nps': (surveys, 'surveys.nps', 'surveys.nps_last_input_date'),
    'csm_adoption': (cs_platform, 'cs.csm_adoption', 'cs.check_in_date'),
    'csm_value_realised': (cs_platform, 'cs.csm_value_realised', 'cs.check_in_date'),
    'csm_relationship': (cs_platform, 'cs.csm_relationship', 'cs.check_in_date'),
    'csm_technical_fit': (cs_platform, 'cs.csm_technical_fit', 'cs.check_in_date'),
    'csm_sentiment': (cs_platform, 'cs.csm_sentiment', 'cs.check_in_date'),
    'csm_adoption_uncalibrated': (cs_platform, 'cs.csm_adoption_raw', 'cs.check_in_date'),
    'csm_value_realised_uncalibrated': (cs_platform, 'cs.csm_value_realised_raw', 'cs.check_in_date'),
    'csm_relationship_uncalibrated': (cs_platform, 'cs.csm_relationship_raw', 'cs.check_in_date'),
    'csm_technical_fit_uncalibrated': (cs_platform, 'cs.csm_technical_fit_raw', 'cs.check_in_date'),
    'csm_sentiment_uncalibrated': (cs_platform, 'cs.csm_sentiment_raw', 'cs.check_in_date'),
    'days_since_csm_touch': (cs_platform, 'cs.days_since_csm_touch', 'cs.last_touch_date'),
    'payment_failure_rate': (true, 'billing.payment_failure_rate', none),
    'payment_days_overdue': (true, 'billing.payment_days_overdue', none),
    'community_engagement': (community, 'coalesce(community.community_engagement, '
        ~ 'case when customer_days.scored_date >= systems_known.community_known_date then 0 end)', none),
} -%}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

-- the first day each system had delivered anything: a count is 0 for a customer with nothing
-- only from then on; before it (or with an empty export) the count is missing, not zero
systems_known as (

    select
        {% if support %}
            (
                select cast(min(tickets.valid_from) as date) as first_date
                from {{ ref('stg_support__tickets_history') }} as tickets
            ) as support_known_date,
        {% else %}
            cast(null as date) as support_known_date,
        {% endif %}
        {% if community %}
            (
                select cast(min(community_loads.first_loaded_at) as date) as first_date
                from (
                    {{ csops.first_loads('community', 'posts', 'id', 'community_record_id') }}
                    union all
                    {{ csops.first_loads('community', 'event_attendance', 'id', 'community_record_id') }}
                ) as community_loads
            ) as community_known_date
        {% else %}
            cast(null as date) as community_known_date
        {% endif %}

),

wide as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        customer_days.seats,
    {% for name, (enabled, value, last_input) in measures.items() if enabled %}
        {{ value }} as {{ name }},
        {{ last_input if last_input else 'cast(null as date)' }} as {{ name }}_last_input_date
        {{- ',' if not loop.last }}
    {% endfor %}
    from customer_days
    cross join systems_known
    left join {{ ref('int_health_billing_measured') }} as billing
        on customer_days.customer_id = billing.customer_id and customer_days.scored_date = billing.scored_date
    {% if product %}
        left join {{ ref('int_health_product_measured') }} as product
            on customer_days.customer_id = product.customer_id and customer_days.scored_date = product.scored_date
    {% endif %}
    {% if support %}
        left join {{ ref('int_health_support_measured') }} as support  -- noqa: RF04
            on customer_days.customer_id = support.customer_id and customer_days.scored_date = support.scored_date
    {% endif %}
    {% if surveys %}
        left join {{ ref('int_health_surveys_measured') }} as surveys
            on customer_days.customer_id = surveys.customer_id and customer_days.scored_date = surveys.scored_date
    {% endif %}
    {% if cs_platform %}
        left join {{ ref('int_health_cs_measured') }} as cs
            on customer_days.customer_id = cs.customer_id and customer_days.scored_date = cs.scored_date
    {% endif %}
    {% if community %}
        left join {{ ref('int_health_community_measured') }} as community
            on customer_days.customer_id = community.customer_id and customer_days.scored_date = community.scored_date
    {% endif %}

),

unpivoted as (

    {% for name, (enabled, value, last_input) in measures.items() if enabled %}
        select
            customer_id,
            scored_date,
            '{{ name }}' as measure,
            cast({{ name }} as double) as measure_value,
            {{ name }}_last_input_date as last_input_date
        from wide
        where {{ name }} is not null
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select * from unpivoted

)

select * from final
