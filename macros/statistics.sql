{#
    Statistics for comparing a treated group with a holdout (rpt_play_effectiveness): 95% confidence
    intervals of a difference of proportions (Newcombe) and of a difference of means (Welch). Each
    macro returns a SQL expression; every argument is a SQL expression too. Proven on published
    values by tests/macros/assert_statistics.sql.
#}

{# The 97.5th percentile of the standard normal: a two-sided 95% interval is +/- this many SEs. #}
{% macro z_975() -%}
    cast(1.959963984540054 as double)
{%- endmacro %}


{#
    wilson_bound(events, n, side): the lower (side='lower') or upper bound of the Wilson score 95%
    interval of the proportion events / n; null when n is 0. Unlike p +/- z SE it stays within 0-1
    and has a width when no event (or only events) was seen.
#}
{% macro wilson_bound(events, n, side) -%}
    {%- if side not in ['lower', 'upper'] -%}
        {{ exceptions.raise_compiler_error("wilson_bound: side must be lower or upper, got " ~ side) }}
    {%- endif -%}
    {%- set z = csops.z_975() -%}
    {%- set p = '(cast(' ~ events ~ ' as double) / nullif(' ~ n ~ ', 0))' -%}
    (
        ({{ p }} + {{ z }} * {{ z }} / (2.0 * ({{ n }})))
        {{ '-' if side == 'lower' else '+' }} {{ z }} * sqrt(
            {{ p }} * (1 - {{ p }}) / ({{ n }}) + {{ z }} * {{ z }} / (4.0 * ({{ n }}) * ({{ n }}))
        )
    ) / (1 + {{ z }} * {{ z }} / ({{ n }}))
{%- endmacro %}


{#
    newcombe_bound(events_1, n_1, events_2, n_2, side): the bound of the 95% interval of
    p1 - p2 (p = events / n) by Newcombe's hybrid score method (Newcombe 1998, method 10), from the
    Wilson intervals (l1, u1) and (l2, u2) of the two proportions:
        lower = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)
        upper = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    It keeps its coverage near 95% with few events (the Wald interval p1 - p2 +/- z SE has no width
    when neither group had an event, and claims certainty it does not have).
#}
{% macro newcombe_bound(events_1, n_1, events_2, n_2, side) -%}
    {%- set p1 = '(cast(' ~ events_1 ~ ' as double) / nullif(' ~ n_1 ~ ', 0))' -%}
    {%- set p2 = '(cast(' ~ events_2 ~ ' as double) / nullif(' ~ n_2 ~ ', 0))' -%}
    {%- if side == 'lower' -%}
        ({{ p1 }} - {{ p2 }} - sqrt(
            power({{ p1 }} - {{ csops.wilson_bound(events_1, n_1, 'lower') }}, 2)
            + power({{ csops.wilson_bound(events_2, n_2, 'upper') }} - {{ p2 }}, 2)
        ))
    {%- elif side == 'upper' -%}
        ({{ p1 }} - {{ p2 }} + sqrt(
            power({{ csops.wilson_bound(events_1, n_1, 'upper') }} - {{ p1 }}, 2)
            + power({{ p2 }} - {{ csops.wilson_bound(events_2, n_2, 'lower') }}, 2)
        ))
    {%- else -%}
        {{ exceptions.raise_compiler_error("newcombe_bound: side must be lower or upper, got " ~ side) }}
    {%- endif -%}
{%- endmacro %}


{#
    welch_degrees_of_freedom(variance_1, n_1, variance_2, n_2): the Welch-Satterthwaite degrees of
    freedom of a difference of two means with unequal variances (sample variances, n - 1 in the
    denominator); null when both variances are 0.
#}
{% macro welch_degrees_of_freedom(variance_1, n_1, variance_2, n_2) -%}
    power(cast({{ variance_1 }} as double) / ({{ n_1 }}) + cast({{ variance_2 }} as double) / ({{ n_2 }}), 2)
    / nullif(
        power(cast({{ variance_1 }} as double) / ({{ n_1 }}), 2) / (({{ n_1 }}) - 1)
        + power(cast({{ variance_2 }} as double) / ({{ n_2 }}), 2) / (({{ n_2 }}) - 1),
        0
    )
{%- endmacro %}


{#
    t_quantile_975(degrees_of_freedom): the 97.5th percentile of Student's t, by the Cornish-Fisher
    expansion in 1 / df to the fourth order (Abramowitz and Stegun 26.7.5); SQL engines have no
    inverse t. Within 0.001 of the exact value from 4 degrees of freedom (2.7756 for 2.7764), within
    1e-5 from 10 and 3e-7 from 20; below 4 it is too small (11.30 for 12.71 at 1), so callers keep
    df at 4 or more (Welch's df is at least the smaller group's size less one). Null for a null df.
#}
{% macro t_quantile_975(degrees_of_freedom) -%}
    {%- set z = csops.z_975() -%}
    {%- set v = '(cast(' ~ degrees_of_freedom ~ ' as double))' -%}
    (
        {{ z }}
        + (power({{ z }}, 3) + {{ z }}) / (4 * {{ v }})
        + (5 * power({{ z }}, 5) + 16 * power({{ z }}, 3) + 3 * {{ z }}) / (96 * power({{ v }}, 2))
        + (3 * power({{ z }}, 7) + 19 * power({{ z }}, 5) + 17 * power({{ z }}, 3) - 15 * {{ z }})
        / (384 * power({{ v }}, 3))
        + (
            79 * power({{ z }}, 9) + 776 * power({{ z }}, 7) + 1482 * power({{ z }}, 5)
            - 1920 * power({{ z }}, 3) - 945 * {{ z }}
        ) / (92160 * power({{ v }}, 4))
    )
{%- endmacro %}
