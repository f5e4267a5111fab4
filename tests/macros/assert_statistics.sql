-- csops.wilson_bound, csops.newcombe_bound, csops.welch_degrees_of_freedom and csops.t_quantile_975
-- against published values: Newcombe (1998) "Interval estimation for the difference between
-- independent proportions", Statistics in Medicine 17, table II, method 10 (56/70 - 48/80,
-- 9/10 - 3/10, 0/10 - 0/20); Newcombe (1998) "Two-sided confidence intervals for the single
-- proportion", method 3 (81/263); Student's t 97.5th percentiles (any t table) and a Welch df
-- worked by hand: variances 4 and 9 over 10 and 20 -> (0.4 + 0.45)^2 / (0.4^2 / 9 + 0.45^2 / 19).
with

cases as (

    select
        'newcombe 56/70 - 48/80' as case_name,
        {{ csops.newcombe_bound('56', '70', '48', '80', 'lower') }} as got_low,
        {{ csops.newcombe_bound('56', '70', '48', '80', 'upper') }} as got_high,
        0.0524 as expected_low,
        0.3339 as expected_high,
        0.00005 as tolerance
    union all
    select
        'newcombe 9/10 - 3/10' as case_name,
        {{ csops.newcombe_bound('9', '10', '3', '10', 'lower') }} as got_low,
        {{ csops.newcombe_bound('9', '10', '3', '10', 'upper') }} as got_high,
        0.1705 as expected_low,
        0.8090 as expected_high,
        0.00005 as tolerance
    union all
    select
        'newcombe 0/10 - 0/20 (no events: still an interval)' as case_name,
        {{ csops.newcombe_bound('0', '10', '0', '20', 'lower') }} as got_low,
        {{ csops.newcombe_bound('0', '10', '0', '20', 'upper') }} as got_high,
        -0.1611 as expected_low,
        0.2775 as expected_high,
        0.00005 as tolerance
    union all
    select
        'wilson 81/263' as case_name,
        {{ csops.wilson_bound('81', '263', 'lower') }} as got_low,
        {{ csops.wilson_bound('81', '263', 'upper') }} as got_high,
        0.2553 as expected_low,
        0.3662 as expected_high,
        0.00005 as tolerance
    union all
    select
        't 4 and 10 degrees of freedom' as case_name,
        {{ csops.t_quantile_975('4') }} as got_low,
        {{ csops.t_quantile_975('10') }} as got_high,
        2.7764 as expected_low,
        2.2281 as expected_high,
        0.001 as tolerance
    union all
    select
        't 30 and 1000 degrees of freedom' as case_name,
        {{ csops.t_quantile_975('30') }} as got_low,
        {{ csops.t_quantile_975('1000') }} as got_high,
        2.0423 as expected_low,
        1.9623 as expected_high,
        0.00005 as tolerance
    union all
    select
        'welch df of variances 4 and 9 over 10 and 20' as case_name,
        {{ csops.welch_degrees_of_freedom('4.0', '10', '9.0', '20') }} as got_low,
        {{ csops.welch_degrees_of_freedom('0.0', '10', '0.0', '20') }} as got_high,
        0.7225 / (0.16 / 9 + 0.2025 / 19) as expected_low,
        null as expected_high,
        0.000001 as tolerance

),

failures as (

    select
        case_name,
        got_low,
        got_high,
        expected_low,
        expected_high
    from cases
    where
        abs(got_low - expected_low) > tolerance
        or (expected_high is null and got_high is not null)
        or abs(got_high - expected_high) > tolerance

)

select * from failures
