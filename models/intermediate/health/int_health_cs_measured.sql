{{ config(enabled=var('enable_cs_platform', true)) }}

{#-
    The CSM input of the health score for every scored customer-day, from the CS platform as loaded
    by the end of the day.

    Check-ins: the latest structured check-in of the last 120 days; each value axis as a number
    (green 100, yellow 50, red 0) and the overall sentiment (1-5). CSMs read customers differently
    (some see green everywhere), so each value is calibrated for its CSM: the CSM's own average
    over every check-in they had logged by that day is compared with the average of all CSMs, and
    the difference, shrunk towards 0 for a CSM with few check-ins (weight n / (n + 20)), is taken
    off. A generous CSM's green counts a little less, a severe one's red a little less red.
    Calibration uses only check-ins known by the day, like everything else in the score.

    days_since_csm_touch: days since the latest CSM activity (any type) with the customer; null if
    there never was one.
-#}

{%- set shrinkage = 20 %}

with

customer_days as (

    select * from {{ ref('int_health_customer_days') }}

),

check_ins as (

    select * from {{ ref('stg_cs_platform__check_ins') }}
    where not is_invalid

),

activities as (

    select * from {{ ref('stg_cs_platform__activities') }}
    where not is_invalid

),

check_in_first_loads as (

    {{ csops.first_loads('cs_platform', 'check_ins', 'id', 'check_in_id') }}

),

activity_first_loads as (

    {{ csops.first_loads('cs_platform', 'activities', 'id', 'activity_id') }}

),

account_links as (

    {{ csops.customer_links('crm', 'accounts', 'account_id') }}

),

activity_links as (

    {{ csops.customer_links('cs_platform', 'activities', 'activity_id') }}

),

check_in_values as (

    select
        account_links.customer_id,
        check_ins.check_in_id,
        check_ins.csm_user_id,
        check_ins.checked_in_at,
        check_in_first_loads.first_loaded_at,
        {{ csops.status_points('check_ins.adoption_status') }} as adoption,
        {{ csops.status_points('check_ins.value_realised_status') }} as value_realised,
        {{ csops.status_points('check_ins.relationship_status') }} as relationship,
        {{ csops.status_points('check_ins.technical_fit_status') }} as technical_fit,
        check_ins.sentiment_score * 1.0 as sentiment
    from check_ins
    inner join check_in_first_loads on check_ins.check_in_id = check_in_first_loads.check_in_id
    inner join account_links on check_ins.account_id = account_links.account_id

),

-- each CSM's and every CSM's averages over the check-ins known by each scored day
scored_days as (

    select distinct
        scored_date,
        known_before_at
    from customer_days

),

csm_averages as (

    select
        scored_days.scored_date,
        check_in_values.csm_user_id,
        count(*) as check_ins,
        avg(check_in_values.adoption) as adoption_average,
        avg(check_in_values.value_realised) as value_realised_average,
        avg(check_in_values.relationship) as relationship_average,
        avg(check_in_values.technical_fit) as technical_fit_average,
        avg(check_in_values.sentiment) as sentiment_average
    from scored_days
    inner join check_in_values on scored_days.known_before_at > check_in_values.first_loaded_at
    group by scored_days.scored_date, check_in_values.csm_user_id

),

overall_averages as (

    select
        scored_days.scored_date,
        avg(check_in_values.adoption) as adoption_average,
        avg(check_in_values.value_realised) as value_realised_average,
        avg(check_in_values.relationship) as relationship_average,
        avg(check_in_values.technical_fit) as technical_fit_average,
        avg(check_in_values.sentiment) as sentiment_average
    from scored_days
    inner join check_in_values on scored_days.known_before_at > check_in_values.first_loaded_at
    group by scored_days.scored_date

),

check_ins_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        check_in_values.csm_user_id,
        check_in_values.checked_in_at,
        check_in_values.adoption,
        check_in_values.value_realised,
        check_in_values.relationship,
        check_in_values.technical_fit,
        check_in_values.sentiment,
        row_number() over (
            partition by customer_days.customer_id, customer_days.scored_date
            order by check_in_values.checked_in_at desc, check_in_values.check_in_id desc
        ) as recency_rank
    from customer_days
    inner join check_in_values
        on
            customer_days.customer_id = check_in_values.customer_id
            and customer_days.known_before_at > check_in_values.first_loaded_at
            and check_in_values.checked_in_at
            >= cast({{ dbt.dateadd('day', -119, 'customer_days.scored_date') }} as timestamp)

),

latest_check_ins as (

    select * from check_ins_known
    where recency_rank = 1

),

calibrated as (

    select
        latest_check_ins.customer_id,
        latest_check_ins.scored_date,
        latest_check_ins.csm_user_id,
        cast(latest_check_ins.checked_in_at as date) as check_in_date,
        latest_check_ins.adoption as adoption_raw,
        latest_check_ins.adoption
        - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
        * (csm_averages.adoption_average - overall_averages.adoption_average) as adoption_calibrated,
        latest_check_ins.value_realised as value_realised_raw,
        latest_check_ins.value_realised
        - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
        * (csm_averages.value_realised_average - overall_averages.value_realised_average) as value_realised_calibrated,
        latest_check_ins.relationship as relationship_raw,
        latest_check_ins.relationship
        - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
        * (csm_averages.relationship_average - overall_averages.relationship_average) as relationship_calibrated,
        latest_check_ins.technical_fit as technical_fit_raw,
        latest_check_ins.technical_fit
        - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
        * (csm_averages.technical_fit_average - overall_averages.technical_fit_average) as technical_fit_calibrated,
        latest_check_ins.sentiment as sentiment_raw,
        latest_check_ins.sentiment
        - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
        * (csm_averages.sentiment_average - overall_averages.sentiment_average) as sentiment_calibrated
    from latest_check_ins
    inner join csm_averages
        on
            latest_check_ins.scored_date = csm_averages.scored_date
            and latest_check_ins.csm_user_id = csm_averages.csm_user_id
    inner join overall_averages on latest_check_ins.scored_date = overall_averages.scored_date

),

touches as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        max(activities.occurred_at) as last_touch_at
    from customer_days
    inner join activity_links on customer_days.customer_id = activity_links.customer_id
    inner join activities on activity_links.activity_id = activities.activity_id
    inner join activity_first_loads on activities.activity_id = activity_first_loads.activity_id
    where
        activity_first_loads.first_loaded_at < customer_days.known_before_at
        and activities.occurred_at < customer_days.known_before_at
    group by customer_days.customer_id, customer_days.scored_date

),

final as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        calibrated.csm_user_id as check_in_csm_user_id,
        calibrated.check_in_date,
        calibrated.adoption_raw as csm_adoption_raw,
        calibrated.adoption_calibrated as csm_adoption,
        calibrated.value_realised_raw as csm_value_realised_raw,
        calibrated.value_realised_calibrated as csm_value_realised,
        calibrated.relationship_raw as csm_relationship_raw,
        calibrated.relationship_calibrated as csm_relationship,
        calibrated.technical_fit_raw as csm_technical_fit_raw,
        calibrated.technical_fit_calibrated as csm_technical_fit,
        calibrated.sentiment_raw as csm_sentiment_raw,
        calibrated.sentiment_calibrated as csm_sentiment,
        {{ dbt.datediff('cast(touches.last_touch_at as date)', 'customer_days.scored_date', 'day') }}
            as days_since_csm_touch,
        cast(touches.last_touch_at as date) as last_touch_date
    from customer_days
    left join calibrated
        on
            customer_days.customer_id = calibrated.customer_id
            and customer_days.scored_date = calibrated.scored_date
    left join touches
        on
            customer_days.customer_id = touches.customer_id
            and customer_days.scored_date = touches.scored_date
    where calibrated.customer_id is not null or touches.customer_id is not null

)

select * from final
