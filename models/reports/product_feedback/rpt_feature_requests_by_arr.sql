{#-
    What customers ask the product for, weighed by revenue: one row per feature area that has
    requests (fct_feature_requests; `unmapped` collects the requests no pattern of the seed
    feature_request_areas placed). Only requests the warehouse knew by the end of today
    (int_warehouse_as_of) count, so a past as-of day shows what was known then.
    - requests: every request in the area, from every system on; customers: the distinct
      customers behind them. A customer who asked twice counts once in customers and in ARR.
    - arr_amount: those customers' ARR today (dim_customers); arr_at_risk_amount: the part of it
      held by customers at risk today - csops.is_churn_risk, the rule the renewal-risk play and the
      CSM book use: a cancellation scheduled, or the churn model's risk tier high (dim_customers;
      the health band red where the model cannot score yet).
    - trend: requests made since the start of the day 90 days before today
      (csops.within_days_before_as_of, as tickets_90d in dim_customers) against the 90 days before
      those.
    - segments: the CRM segment whose customers in the area hold most ARR, and every segment's
      share of the area's ARR.
-#}

{%- set support = csops.system_enabled('support') %}
{%- set cs_platform = csops.system_enabled('cs_platform') %}
{%- set community = csops.system_enabled('community') %}

with

requests as (

    select * from {{ ref('fct_feature_requests') }}

),

areas as (

    select * from {{ ref('feature_request_areas') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

known_requests as (

    select requests.*
    from requests
    cross join as_of
    where requests.first_loaded_at < cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)

),

-- ARR at risk today: the one rule of who counts (a churn-risk score will replace it here)
customers_at_risk as (

    select
        customer_id,
        coalesce(segment, 'unknown') as segment,
        coalesce(arr_amount, 0) as arr_amount,
        {{ csops.is_churn_risk('health_band', 'is_cancel_scheduled', 'churn_risk_tier') }} as is_at_risk
    from customers

),

area_kinds as (

    select distinct
        feature_area,
        is_product_request
    from areas

),

area_totals as (

    select
        known_requests.feature_area,
        count(*) as requests,
        count(distinct known_requests.customer_id) as customers,
        count(case when known_requests.source_system = 'support' then 1 end) as support_requests,
        count(case when known_requests.source_system = 'cs_platform' then 1 end) as cs_platform_requests,
        count(case when known_requests.source_system = 'community' then 1 end) as community_requests,
        count(
            case when {{ csops.within_days_before_as_of('known_requests.requested_at', 90) }} then 1 end
        ) as requests_90d,
        count(
            case
                when
                    {{ csops.within_days_before_as_of('known_requests.requested_at', 180) }}
                    and not {{ csops.within_days_before_as_of('known_requests.requested_at', 90) }}
                    then 1
            end
        ) as requests_prior_90d
    from known_requests
    cross join as_of
    group by known_requests.feature_area

),

-- each customer once per area, whatever the number of its requests
area_customers as (

    select distinct
        known_requests.feature_area,
        customers_at_risk.customer_id,
        customers_at_risk.segment,
        customers_at_risk.arr_amount,
        customers_at_risk.is_at_risk
    from known_requests
    inner join customers_at_risk on known_requests.customer_id = customers_at_risk.customer_id

),

area_revenue as (

    select
        feature_area,
        sum(arr_amount) as arr_amount,
        sum(case when is_at_risk then arr_amount else 0 end) as arr_at_risk_amount,
        count(case when is_at_risk then 1 end) as customers_at_risk
    from area_customers
    group by feature_area

),

segment_revenue as (

    select
        feature_area,
        segment,
        count(*) as customers,
        sum(arr_amount) as arr_amount
    from area_customers
    group by feature_area, segment

),

segments_ranked as (

    select
        feature_area,
        segment,
        arr_amount,
        arr_amount / nullif(sum(arr_amount) over (partition by feature_area), 0) as arr_ratio,
        row_number() over (
            partition by feature_area
            order by arr_amount desc, customers desc, segment asc
        ) as segment_rank
    from segment_revenue

),

segment_lists as (

    select
        feature_area,
        {{ dbt.listagg(
            "segment || ' ' || coalesce(cast(cast(round(100 * arr_ratio) as integer) as " ~ dbt.type_string() ~ ") || '%', 'no ARR')",
            "', '",
            'order by segment_rank',
        ) }} as segments_by_arr
    from segments_ranked
    group by feature_area

),

final as (

    select
        -- ids
        area_totals.feature_area,
        -- attributes
        area_kinds.is_product_request,
        top_segments.segment as top_segment,
        segment_lists.segments_by_arr,
        -- measures
        area_totals.requests,
        {{ 'area_totals.support_requests' if support else 'cast(null as bigint)' }} as support_requests,
        {{ 'area_totals.cs_platform_requests' if cs_platform else 'cast(null as bigint)' }} as cs_platform_requests,
        {{ 'area_totals.community_requests' if community else 'cast(null as bigint)' }} as community_requests,
        area_totals.customers,
        coalesce(area_revenue.customers_at_risk, 0) as customers_at_risk,
        coalesce(area_revenue.arr_amount, 0) as arr_amount,
        coalesce(area_revenue.arr_at_risk_amount, 0) as arr_at_risk_amount,
        top_segments.arr_ratio as top_segment_arr_ratio,
        area_totals.requests_90d,
        area_totals.requests_prior_90d,
        area_totals.requests_90d - area_totals.requests_prior_90d as requests_change_90d,
        -- dates
        as_of.as_of_date
    from area_totals
    cross join as_of
    left join area_kinds on area_totals.feature_area = area_kinds.feature_area
    left join area_revenue on area_totals.feature_area = area_revenue.feature_area
    left join segments_ranked as top_segments
        on
            area_totals.feature_area = top_segments.feature_area
            and top_segments.segment_rank = 1
    left join segment_lists on area_totals.feature_area = segment_lists.feature_area

)

select * from final
