{#-
    Renewals per customer today: the customer's next annual term end still ahead (the earliest if
    several contracts renew), with the ARR up for renewal, from fct_renewals.
-#}

with

upcoming_renewals as (

    select * from {{ ref('fct_renewals') }}
    where not is_past

),

next_renewal as (

    {{ csops.deduplicate(
        'upcoming_renewals', partition_by='customer_id', order_by='renewal_date asc, renewal_id'
    ) }}

),

final as (

    select
        customer_id,
        renewal_id as next_renewal_id,
        renewal_date as next_renewal_date,
        days_to_renewal,
        arr_up_for_renewal_amount as next_renewal_arr_amount
    from next_renewal

)

select * from final
