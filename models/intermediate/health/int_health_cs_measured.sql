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

{%- set axes = ['adoption', 'value_realised', 'relationship', 'technical_fit', 'sentiment'] %}
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

    select distinct scored_date, known_before_at from customer_days

),

csm_averages as (

    select
        scored_days.scored_date,
        check_in_values.csm_user_id,
        count(*) as check_ins,
        {% for axis in axes %}
            avg({{ axis }}) as {{ axis }}_average{{ ',' if not loop.last }}
        {% endfor %}
    from scored_days
    inner join check_in_values on check_in_values.first_loaded_at < scored_days.known_before_at
    group by scored_days.scored_date, check_in_values.csm_user_id

),

overall_averages as (

    select
        scored_days.scored_date,
        {% for axis in axes %}
            avg({{ axis }}) as {{ axis }}_average{{ ',' if not loop.last }}
        {% endfor %}
    from scored_days
    inner join check_in_values on check_in_values.first_loaded_at < scored_days.known_before_at
    group by scored_days.scored_date

),

check_ins_known as (

    select
        customer_days.customer_id,
        customer_days.scored_date,
        check_in_values.csm_user_id,
        check_in_values.checked_in_at,
        {% for axis in axes %}
            check_in_values.{{ axis }},
        {% endfor %}
        row_number() over (
            partition by customer_days.customer_id, customer_days.scored_date
            order by check_in_values.checked_in_at desc, check_in_values.check_in_id desc
        ) as recency_rank
    from customer_days
    inner join check_in_values
        on
            customer_days.customer_id = check_in_values.customer_id
            and check_in_values.first_loaded_at < customer_days.known_before_at
            and check_in_values.checked_in_at >= cast({{ dbt.dateadd('day', -119, 'customer_days.scored_date') }} as timestamp)

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
        {% for axis in axes %}
            latest_check_ins.{{ axis }} as {{ axis }}_raw,
            latest_check_ins.{{ axis }}
            - csm_averages.check_ins * 1.0 / (csm_averages.check_ins + {{ shrinkage }})
            * (csm_averages.{{ axis }}_average - overall_averages.{{ axis }}_average) as {{ axis }}_calibrated
            {{- ',' if not loop.last }}
        {% endfor %}
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
        {% for axis in axes %}
            calibrated.{{ axis }}_raw as csm_{{ axis }}_raw,
            calibrated.{{ axis }}_calibrated as csm_{{ axis }},
        {% endfor %}
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
