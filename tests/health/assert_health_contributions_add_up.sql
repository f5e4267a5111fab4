-- A health score is explainable only if its parts add up: the contributions of a customer-day's
-- measures (fct_customer_health_measures_daily) sum to its health_score
-- (fct_customer_health_daily, rounded to 0.1). Returns the customer-days that do not.
with

scores as (

    select * from {{ ref('fct_customer_health_daily') }}
    where health_score is not null

),

measures as (

    select
        customer_id,
        scored_date,
        sum(contribution) as contributions
    from {{ ref('fct_customer_health_measures_daily') }}
    group by customer_id, scored_date

),

final as (

    select
        scores.customer_id,
        scores.scored_date,
        scores.health_score,
        measures.contributions
    from scores
    left join measures
        on scores.customer_id = measures.customer_id and scores.scored_date = measures.scored_date
    where measures.contributions is null or abs(scores.health_score - measures.contributions) > 0.051

)

select * from final
