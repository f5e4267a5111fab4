{#
    Statistics for comparing a treated group with a holdout (rpt_play_effectiveness): confidence
    intervals of a difference of proportions (Newcombe) and of a difference of means (Welch), at 95%
    by default or at any level given by its normal quantile z (a two-sided level 1 - alpha takes
    z = normal_quantile(1 - alpha / 2): 95% -> 1.96, 99% -> 2.5758). Each macro returns a SQL
    expression; every argument is a SQL expression too. Proven on published values by
    tests/macros/assert_statistics.sql.
#}

{# The 97.5th percentile of the standard normal: a two-sided 95% interval is +/- this many SEs. #}
{% macro z_975() -%}
    cast(1.959963984540054 as double)
{%- endmacro %}


{#
    normal_quantile(p): the p-th quantile of the standard normal (the z with P(Z <= z) = p), by
    Wichura's algorithm AS241 (PPND16, Applied Statistics 37 (1988) 477-484): a rational
    approximation exact to about 1e-16 - normal_quantile(0.975) = 1.959963984540054,
    normal_quantile(0.995) = 2.5758293035489004. SQL engines have no inverse normal. Covers
    1.4e-11 < p < 1 - 1.4e-11 (AS241's first two regions; its far tail is left out: a Bonferroni
    family would need a billion metrics to reach it); null outside, and for p of 0, 1 or null.
    p is repeated in the expression: pass a column or a short expression.
#}
{% macro normal_quantile(p) -%}
    {%- set a = [
        '3.3871328727963666080', '1.3314166789178437745E+2', '1.9715909503065514427E+3',
        '1.3731693765509461125E+4', '4.5921953931549871457E+4', '6.7265770927008700853E+4',
        '3.3430575583588128105E+4', '2.5090809287301226727E+3'
    ] -%}
    {%- set b = [
        '1.0', '4.2313330701600911252E+1', '6.8718700749205790830E+2', '5.3941960214247511077E+3',
        '2.1213794301586595867E+4', '3.9307895800092710610E+4', '2.8729085735721942674E+4',
        '5.2264952788528545610E+3'
    ] -%}
    {%- set c = [
        '1.42343711074968357734', '4.63033784615654529590', '5.76949722146069140550',
        '3.64784832476320460504', '1.27045825245236838258', '2.41780725177450611770E-1',
        '2.27238449892691845833E-2', '7.74545014278341407640E-4'
    ] -%}
    {%- set d = [
        '1.0', '2.05319162663775882187', '1.67638483018380384940', '6.89767334985100004550E-1',
        '1.48103976427480074590E-1', '1.51986665636164571966E-2', '5.47593808499534494600E-4',
        '1.05075007164441684324E-9'
    ] -%}
    {%- set q = '(cast(' ~ p ~ ' as double) - 0.5)' -%}
    {%- set central = '(0.180625 - ' ~ q ~ ' * ' ~ q ~ ')' -%}
    {%- set tail = '(sqrt(-ln(least(cast(' ~ p ~ ' as double), 1 - cast(' ~ p ~ ' as double)))) - 1.6)' -%}
    case
        when cast({{ p }} as double) <= 0 or cast({{ p }} as double) >= 1 then null
        when abs({{ q }}) <= 0.425
            then {{ q }} * {{ csops._horner(a, central) }} / {{ csops._horner(b, central) }}
        when sqrt(-ln(least(cast({{ p }} as double), 1 - cast({{ p }} as double)))) <= 5
            then sign({{ q }}) * {{ csops._horner(c, tail) }} / {{ csops._horner(d, tail) }}
    end
{%- endmacro %}


{# _horner(coefficients, x): c0 + c1 x + ... + cn x^n as nested products (for normal_quantile). #}
{% macro _horner(coefficients, x) -%}
    {%- set ns = namespace(expression='cast(' ~ coefficients[-1] ~ ' as double)') -%}
    {%- for coefficient in coefficients[:-1] | reverse -%}
        {%- set ns.expression = '(' ~ ns.expression ~ ' * ' ~ x ~ ' + ' ~ coefficient ~ ')' -%}
    {%- endfor -%}
    {{ ns.expression }}
{%- endmacro %}


{#
    wilson_bound(events, n, side, z=z_975()): the lower (side='lower') or upper bound of the Wilson
    score interval of the proportion events / n - at 95% by default, at the level of the normal
    quantile z otherwise (a SQL expression: 2.5758 for 99%); null when n is 0. Unlike p +/- z SE it
    stays within 0-1 and has a width when no event (or only events) was seen.
#}
{% macro wilson_bound(events, n, side, z=none) -%}
    {%- if side not in ['lower', 'upper'] -%}
        {{ exceptions.raise_compiler_error("wilson_bound: side must be lower or upper, got " ~ side) }}
    {%- endif -%}
    {%- set z = '(cast(' ~ (csops.z_975() if z is none else z) ~ ' as double))' -%}
    {%- set p = '(cast(' ~ events ~ ' as double) / nullif(' ~ n ~ ', 0))' -%}
    (
        ({{ p }} + {{ z }} * {{ z }} / (2.0 * ({{ n }})))
        {{ '-' if side == 'lower' else '+' }} {{ z }} * sqrt(
            {{ p }} * (1 - {{ p }}) / ({{ n }}) + {{ z }} * {{ z }} / (4.0 * ({{ n }}) * ({{ n }}))
        )
    ) / (1 + {{ z }} * {{ z }} / ({{ n }}))
{%- endmacro %}


{#
    newcombe_bound(events_1, n_1, events_2, n_2, side, z=z_975()): the bound of the interval of
    p1 - p2 (95% by default; the level of the normal quantile z otherwise) (p = events / n) by Newcombe's hybrid score method (Newcombe 1998, method 10), from the
    Wilson intervals (l1, u1) and (l2, u2) of the two proportions:
        lower = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)
        upper = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    It keeps its coverage near 95% with few events (the Wald interval p1 - p2 +/- z SE has no width
    when neither group had an event, and claims certainty it does not have). Both Wilson intervals
    are taken at the same z.
#}
{% macro newcombe_bound(events_1, n_1, events_2, n_2, side, z=none) -%}
    {%- set p1 = '(cast(' ~ events_1 ~ ' as double) / nullif(' ~ n_1 ~ ', 0))' -%}
    {%- set p2 = '(cast(' ~ events_2 ~ ' as double) / nullif(' ~ n_2 ~ ', 0))' -%}
    {%- if side == 'lower' -%}
        ({{ p1 }} - {{ p2 }} - sqrt(
            power({{ p1 }} - {{ csops.wilson_bound(events_1, n_1, 'lower', z) }}, 2)
            + power({{ csops.wilson_bound(events_2, n_2, 'upper', z) }} - {{ p2 }}, 2)
        ))
    {%- elif side == 'upper' -%}
        ({{ p1 }} - {{ p2 }} + sqrt(
            power({{ csops.wilson_bound(events_1, n_1, 'upper', z) }} - {{ p1 }}, 2)
            + power({{ p2 }} - {{ csops.wilson_bound(events_2, n_2, 'lower', z) }}, 2)
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
    t_quantile(degrees_of_freedom, z): the percentile of Student's t whose standard normal
    counterpart is z (z = 1.96 gives the 97.5th percentile, 2.5758 the 99.5th), by the
    Cornish-Fisher expansion in 1 / df to the fourth order (Abramowitz and Stegun 26.7.5); SQL
    engines have no inverse t. It is always slightly too small at few df, more so the further out
    the percentile (checked against scipy.stats.t.ppf):
    - 97.5th: within 0.001 from 4 df (2.7756 for 2.7764), 1e-5 from 10, 3e-7 from 20;
    - 99.5th: within 0.011 from 4 df (4.5940 for 4.6041), 0.0032 at 5, 1e-4 from 10, 3e-6 from 20
      (2.8453), exact to 4 places from 30 (2.7500).
    Below 4 df it is far too small (11.30 for 12.71 at 1 df at the 97.5th, 40.5 for 63.7 at the
    99.5th), so callers keep df at 4 or more (Welch's df is at least the smaller group's size less
    one, and rpt_play_effectiveness needs play_effect_min_group_size outcomes, default 20, in each
    group). Null for a null df.
#}
{% macro t_quantile(degrees_of_freedom, z) -%}
    {%- set z = '(cast(' ~ z ~ ' as double))' -%}
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


{# t_quantile_975(degrees_of_freedom): the 97.5th percentile of Student's t, t_quantile at z_975. #}
{% macro t_quantile_975(degrees_of_freedom) -%}
    {{ csops.t_quantile(degrees_of_freedom, csops.z_975()) }}
{%- endmacro %}
