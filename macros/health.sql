{#
    first_loads(source_system, source_table, key, key_alias): when the warehouse first knew of each
    record of an append-only raw table - the first load that delivered it. Staging keeps a record's
    latest copy (a re-sync sends it again later), so a score for a past day asks this whether the
    record was known then.

        first_loads as (
            {{ csops.first_loads('surveys', 'nps_responses', 'response_id', 'nps_response_id') }}
        ),
#}
{% macro first_loads(source_system, source_table, key, key_alias) -%}
    select
        cast({{ key }} as {{ dbt.type_string() }}) as {{ key_alias }},
        min(_loaded_at) as first_loaded_at
    from {{ source(source_system, source_table) }}
    where {{ key }} is not null
    group by cast({{ key }} as {{ dbt.type_string() }})
{%- endmacro %}


{#
    A CSM check-in status as a number: green 100, yellow 50, red 0 (anything else null).
#}
{% macro status_points(column) -%}
    case lower({{ column }}) when 'green' then 100 when 'yellow' then 50 when 'red' then 0 end
{%- endmacro %}


{#
    health_measure_scores(customer_days, measures, scorecards, scorecard_measures, versions):
    every measure of every scorecard that applies to each customer-day, scored. The one place the
    score's arithmetic lives; the published score and the backtest both call it.

    versions='in_force': the published scorecard version in force on the day (effective_from <=
    day < effective_to) for the customer's segment and lifecycle phase - one per customer-day.
    versions='every': every version, published or candidate, whatever its dates (the backtest
    compares versions on the same customer-days; a candidate is scored without being published).

    A measure scores red_below (40) at its red threshold and green_from (70) at its green
    threshold, linearly between and beyond, clamped to 0-100 (direction follows from the two
    thresholds; the seed's direction column is tested to agree). A measure with no value, or whose
    latest input is older than its freshness limit (stale), is missing: `redistribute` leaves it
    out so its weight is spread over the measures present; `fixed_score` scores it missing_score.
    normalised_weight is the measure's share of the weight counted; contribution = normalised
    weight x score (the contributions add up to the score); points_lost = normalised weight x
    (100 - score), what the measure costs the customer.
#}
{% macro health_measure_scores(customer_days, measures, scorecards, scorecard_measures, versions='in_force') -%}
    {%- if versions not in ['in_force', 'every'] -%}
        {{ exceptions.raise_compiler_error("health_measure_scores: versions must be in_force or every, got " ~ versions) }}
    {%- endif -%}
    select
        _scored.*,
        case
            when _scored.is_counted
                then _scored.weight * 1.0 / sum(case when _scored.is_counted then _scored.weight else 0 end) over (
                    partition by _scored.customer_id, _scored.scored_date, _scored.scorecard_id, _scored.scorecard_version
                )
            else 0
        end as normalised_weight
    from (
        select
            _applied.*,
            not _applied.is_missing or _applied.when_missing = 'fixed_score' as is_counted,
            case
                when not _applied.is_missing
                    then least(100.0, greatest(0.0,
                        _applied.red_below
                        + (_applied.measure_value - _applied.red_threshold)
                        / (_applied.green_threshold - _applied.red_threshold)
                        * (_applied.green_from - _applied.red_below)
                    ))
                when _applied.when_missing = 'fixed_score' then _applied.missing_score * 1.0
            end as measure_score
        from (
            select
                _days.customer_id,
                _days.scored_date,
                _days.segment,
                _days.lifecycle_phase,
                _cards.scorecard_id,
                _cards.scorecard_version,
                _cards.status as scorecard_status,
                _cards.min_weight_present,
                _cards.red_below,
                _cards.green_from,
                _card_measures.measure,
                _card_measures.weight,
                _card_measures.red_threshold,
                _card_measures.green_threshold,
                _card_measures.freshness_days,
                _card_measures.when_missing,
                _card_measures.missing_score,
                _values.measure_value,
                _values.last_input_date,
                coalesce(
                    _values.measure_value is not null
                    and _card_measures.freshness_days is not null
                    and _values.last_input_date
                    < cast({{ dbt.dateadd('day', '-1 * _card_measures.freshness_days', '_days.scored_date') }} as date),
                    false
                ) as is_stale,
                _values.measure_value is null
                or coalesce(
                    _card_measures.freshness_days is not null
                    and _values.last_input_date
                    < cast({{ dbt.dateadd('day', '-1 * _card_measures.freshness_days', '_days.scored_date') }} as date),
                    false
                ) as is_missing
            from {{ customer_days }} as _days
            inner join {{ scorecards }} as _cards
                on
                    '|' || _cards.applies_to_segments || '|' like '%|' || _days.segment || '|%'
                    and '|' || _cards.applies_to_phases || '|' like '%|' || _days.lifecycle_phase || '|%'
                    {%- if versions == 'in_force' %}
                        and _cards.status = 'published'
                        and _cards.effective_from <= _days.scored_date
                        and (_cards.effective_to is null or _days.scored_date < _cards.effective_to)
                    {%- endif %}
            inner join {{ scorecard_measures }} as _card_measures
                on
                    _cards.scorecard_id = _card_measures.scorecard_id
                    and _cards.scorecard_version = _card_measures.scorecard_version
            left join {{ measures }} as _values
                on
                    _days.customer_id = _values.customer_id
                    and _days.scored_date = _values.scored_date
                    and _card_measures.measure = _values.measure
        ) as _applied
    ) as _scored
{%- endmacro %}


{#
    Pearson correlation of two columns in an aggregate, from sums taken as decimals: corr() sums
    floats in whatever order the rows arrive, so two builds of the same data could differ in the
    last digits. Rows where either column is null are left out; null when either column is
    constant.
#}
{% macro correlation(x, y) -%}
    {%- set both = '(' ~ x ~ ') is not null and (' ~ y ~ ') is not null' -%}
    {%- set dx = 'cast(case when ' ~ both ~ ' then ' ~ x ~ ' end as decimal(38, 4))' -%}
    {%- set dy = 'cast(case when ' ~ both ~ ' then ' ~ y ~ ' end as decimal(38, 4))' -%}
    (
        count(case when {{ both }} then 1 end) * sum({{ dx }} * {{ dy }}) - sum({{ dx }}) * sum({{ dy }})
    )
    / nullif(
        sqrt(cast(count(case when {{ both }} then 1 end) * sum({{ dx }} * {{ dx }}) - sum({{ dx }}) * sum({{ dx }}) as double))
        * sqrt(cast(count(case when {{ both }} then 1 end) * sum({{ dy }} * {{ dy }}) - sum({{ dy }}) * sum({{ dy }}) as double)),
        0
    )
{%- endmacro %}


{#
    health_contribution_changes(scored, measure_scores, days_before): for each customer and scored
    day of the relation `scored` (a CTE with customer_id and scored_date), how much each measure's
    contribution to the score (int_health_measures_scored) moved since `days_before` days earlier,
    on the same scorecard, ranked by the size of the move (change_rank 1: the measure that changed
    most; ties by measure name). A measure missing from either day is not compared. The daily
    (30 days) and weekly (28 days) health marts both take their changed_most_measure from it.

        contribution_changes as (
            {{ csops.health_contribution_changes('days', 'measure_scores', 30) }}
        ),
#}
{% macro health_contribution_changes(scored, measure_scores, days_before) -%}
    select
        {{ scored }}.customer_id,
        {{ scored }}.scored_date,
        _now_scores.measure,
        coalesce(_now_scores.contribution, 0) - coalesce(_then_scores.contribution, 0) as contribution_change,
        row_number() over (
            partition by {{ scored }}.customer_id, {{ scored }}.scored_date
            order by
                abs(coalesce(_now_scores.contribution, 0) - coalesce(_then_scores.contribution, 0)) desc,
                _now_scores.measure
        ) as change_rank
    from {{ scored }}
    inner join {{ measure_scores }} as _now_scores
        on {{ scored }}.customer_id = _now_scores.customer_id and {{ scored }}.scored_date = _now_scores.scored_date
    inner join {{ measure_scores }} as _then_scores
        on
            {{ scored }}.customer_id = _then_scores.customer_id
            and _then_scores.scored_date = cast({{ dbt.dateadd('day', -days_before, scored ~ '.scored_date') }} as date)
            and _now_scores.measure = _then_scores.measure
            and _now_scores.scorecard_id = _then_scores.scorecard_id
{%- endmacro %}

{#-
    Is a customer at risk of churning on a day? The one rule every model uses (the renewal-risk
    play, the CSM book's and the feature requests' ARR at risk): a cancellation is scheduled, or the
    churn model's risk tier that day is high (ml_churn_backtest_scores / ml_churn_predictions:
    90-day churn probability from var ml_churn_high_risk_probability). Where the model has no tier
    (too little history to train yet: a fallback), the rule before the model: the health band is
    red. Arguments are SQL expressions; a null band or flag counts as not at risk.
-#}
{% macro is_churn_risk(health_band, is_cancel_scheduled, churn_risk_tier) -%}
    (
        coalesce({{ is_cancel_scheduled }}, false)
        or coalesce({{ churn_risk_tier }} in ('high', 'cancelling'), {{ health_band }} = 'red', false)
    )
{%- endmacro %}
