{#-
    How well the seed feature_request_areas places the feature requests of each source system:
    one row per system that has requests (fct_feature_requests). unmapped_requests are the ones
    no pattern matched (feature area `unmapped`): CS Ops reads their texts in fct_feature_requests
    (feature_area = 'unmapped') and adds a seed row for each phrasing that names a feature.
-#}

with

requests as (

    select * from {{ ref('fct_feature_requests') }}

),

final as (

    select
        source_system,
        count(*) as requests,
        count(case when is_mapped then 1 end) as mapped_requests,
        count(case when not is_mapped then 1 end) as unmapped_requests,
        count(case when not is_mapped then 1 end) * 1.0 / count(*) as unmapped_ratio,
        count(distinct case when not is_mapped then coalesce(request_text, '(none)') end) as unmapped_texts,
        count(case when is_product_request then 1 end) as product_requests
    from requests
    group by source_system

)

select * from final
