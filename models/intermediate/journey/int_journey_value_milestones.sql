{{ config(enabled=var('enable_product', true)) }}

{#-
    When each customer reached the value milestones of each segment's row of journey_time_to_value,
    as the warehouse learnt it: one row per customer with product use and per segment row.
    - first_value_date: the first day by whose end the customer had used at least
      first_value_core_features different core features and at least first_value_active_users
      different people had used the product (both counted over all time);
    - full_value_date: the same with full_value_core_features and full_value_active_users.
    A use counts from the day it was first loaded (int_product_usage_rolled_up.first_known_date),
    so a milestone date never moves when late events arrive later. Null: not reached by the as-of
    day. The stage rules pick the row of the customer's segment on each day.
-#}

with

usage as (

    select * from {{ ref('int_product_usage_rolled_up') }}

),

core_features as (

    select feature_key from {{ ref('stg_product__features') }}
    where is_core_feature

),

milestones as (

    select * from {{ ref('journey_time_to_value') }}

),

-- the day each core feature (and each person) first counted for the customer
core_features_known as (

    select
        usage.customer_id,
        usage.event_name,
        min(usage.first_known_date) as known_date
    from usage
    inner join core_features on usage.event_name = core_features.feature_key
    group by usage.customer_id, usage.event_name

),

users_known as (

    select
        customer_id,
        product_user_id,
        min(first_known_date) as known_date
    from usage
    group by customer_id, product_user_id

),

-- the nth feature (person) to count: the milestone "n of them" is reached on its day
core_features_ranked as (

    select
        customer_id,
        known_date,
        row_number() over (partition by customer_id order by known_date, event_name) as feature_number
    from core_features_known

),

users_ranked as (

    select
        customer_id,
        known_date,
        row_number() over (partition by customer_id order by known_date, product_user_id) as user_number
    from users_known

),

customers as (

    select distinct customer_id from users_known

),

final as (

    select
        customers.customer_id,
        milestones.segment,
        case
            when first_features.known_date is not null and first_users.known_date is not null
                then greatest(first_features.known_date, first_users.known_date)
        end as first_value_date,
        case
            when full_features.known_date is not null and full_users.known_date is not null
                then greatest(full_features.known_date, full_users.known_date)
        end as full_value_date
    from customers
    cross join milestones
    left join core_features_ranked as first_features
        on
            customers.customer_id = first_features.customer_id
            and milestones.first_value_core_features = first_features.feature_number
    left join users_ranked as first_users
        on
            customers.customer_id = first_users.customer_id
            and milestones.first_value_active_users = first_users.user_number
    left join core_features_ranked as full_features
        on
            customers.customer_id = full_features.customer_id
            and milestones.full_value_core_features = full_features.feature_number
    left join users_ranked as full_users
        on
            customers.customer_id = full_users.customer_id
            and milestones.full_value_active_users = full_users.user_number

)

select * from final
