{#-
    Feature requests per customer today, for the customer 360 (dim_customers): the requests the
    warehouse knew by the end of the as-of day (int_warehouse_as_of) from fct_feature_requests,
    counted over the last 90 days (csops.within_days_before_as_of, as tickets_90d), the product
    ones among them, the area asked for most in those 90 days (most requests, then alphabetical;
    product areas only) and the day of the latest request ever. Customers who never asked have no
    row.
-#}

with

requests as (

    select * from {{ ref('fct_feature_requests') }}
    where customer_id is not null

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

known_requests as (

    select
        requests.*,
        {{ csops.within_days_before_as_of('requests.requested_at', 90) }} as is_within_90d
    from requests
    cross join as_of
    where requests.first_loaded_at < cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)

),

area_counts as (

    select
        customer_id,
        feature_area,
        count(*) as requests,
        row_number() over (
            partition by customer_id
            order by count(*) desc, feature_area asc
        ) as area_rank
    from known_requests
    where is_within_90d and is_product_request
    group by customer_id, feature_area

),

customer_totals as (

    select
        customer_id,
        count(case when is_within_90d then 1 end) as feature_requests_90d,
        count(case when is_within_90d and is_product_request then 1 end) as product_feature_requests_90d,
        max(requested_date) as last_feature_request_date
    from known_requests
    group by customer_id

),

final as (

    select
        customer_totals.customer_id,
        customer_totals.feature_requests_90d,
        customer_totals.product_feature_requests_90d,
        area_counts.feature_area as top_requested_feature_area_90d,
        customer_totals.last_feature_request_date
    from customer_totals
    left join area_counts
        on
            customer_totals.customer_id = area_counts.customer_id
            and area_counts.area_rank = 1

)

select * from final
