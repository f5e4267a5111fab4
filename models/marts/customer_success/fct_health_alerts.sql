{#-
    Health alerts for the CS team (the playbooks consume them): one row per customer and day on
    which, in fct_customer_health_daily,
    - band_worsened / band_improved: the band differs from the day before (insufficient_data
      counts as no band: becoming scoreable or unscoreable is not an alert);
    - score_drop: the score fell by at least health_alert_drop_points points within 30 days, on the
      first day it did (not again every day while it stays down).
    A day can raise several. Each carries the score, the band before and after, the 30-day change
    and the drivers: the measures pulling the score down and the one that moved most.
-#}

{%- set drop_points = csops.checked_var('health_alert_drop_points') %}

with

days as (

    select * from {{ ref('fct_customer_health_daily') }}

),

with_day_before as (

    select
        days.*,
        lag(days.health_band) over (partition by days.customer_id order by days.scored_date) as band_day_before,
        lag(days.scored_date) over (partition by days.customer_id order by days.scored_date) as day_before,
        lag(days.score_change_30d) over (partition by days.customer_id order by days.scored_date)
            as score_change_30d_day_before
    from days

),

band_order as (

    select
        'red' as health_band,
        1 as band_rank
    union all
    select
        'yellow' as health_band,
        2 as band_rank
    union all
    select
        'green' as health_band,
        3 as band_rank

),

triggered as (

    select
        with_day_before.*,
        case
            when now_band.band_rank < before_band.band_rank then 'band_worsened'
            when now_band.band_rank > before_band.band_rank then 'band_improved'
        end as band_alert,
        with_day_before.score_change_30d <= -{{ drop_points }}
        and coalesce(with_day_before.score_change_30d_day_before > -{{ drop_points }}, true) as is_score_drop
    from with_day_before
    left join band_order as now_band on with_day_before.health_band = now_band.health_band
    left join band_order as before_band on with_day_before.band_day_before = before_band.health_band
    where with_day_before.day_before = cast({{ dbt.dateadd('day', -1, 'with_day_before.scored_date') }} as date)

),

alerts as (

    select
        triggered.*,
        triggered.band_alert as alert_type
    from triggered
    where triggered.band_alert is not null
    union all
    select
        triggered.*,
        'score_drop' as alert_type
    from triggered
    where triggered.is_score_drop

),

final as (

    select
        {{ csops.generate_surrogate_key(['customer_id', 'scored_date', 'alert_type']) }} as health_alert_id,
        customer_id,
        scored_date as alerted_date,
        alert_type,
        segment,
        owner_user_id,
        health_score,
        band_day_before as health_band_before,
        health_band,
        score_change_30d,
        driver_1_measure,
        driver_2_measure,
        driver_3_measure,
        changed_most_measure,
        changed_most_points,
        is_stale
    from alerts

)

select * from final
