{#-
    A feature area is a product request or not, whatever the system or pattern that leads to it:
    rpt_feature_requests_by_arr takes one is_product_request per area from the seed. Returns the
    areas that say both.
-#}

select
    feature_area,
    count(distinct is_product_request) as kinds
from {{ ref('feature_request_areas') }}
group by feature_area
having count(distinct is_product_request) > 1
