-- csops.wilson_bound, csops.newcombe_bound, csops.welch_degrees_of_freedom, csops.t_quantile(_975)
-- and csops.normal_quantile against published values: Newcombe (1998) "Interval estimation for the
-- difference between independent proportions", Statistics in Medicine 17, table II, method 10
-- (56/70 - 48/80, 9/10 - 3/10, 0/10 - 0/20); Newcombe (1998) "Two-sided confidence intervals for
-- the single proportion", method 3 (81/263); Student's t 97.5th and 99.5th percentiles (any t
-- table: 99.5th at 4, 5, 10, 20, 30 df = 4.6041, 4.0321, 3.1693, 2.8453, 2.7500); normal quantiles
-- (any table, to 16 digits as scipy.stats.norm.ppf gives them); a Welch df worked by hand:
-- variances 4 and 9 over 10 and 20 -> (0.4 + 0.45)^2 / (0.4^2 / 9 + 0.45^2 / 19).
-- At 99% (z = 2.5758293035489004, the Bonferroni level of a five-metric family): Wilson 81/263,
-- 56/70 and 48/80 from scipy.stats.binomtest(k, n).proportion_ci(0.99, method='wilson')
-- (0.240137 to 0.385283; 0.653498 to 0.894555; 0.456551 to 0.728132), and Newcombe 56/70 - 48/80
-- from those: 0.2 - sqrt((0.8 - 0.653498)^2 + (0.728132 - 0.6)^2) = 0.005371,
-- 0.2 + sqrt((0.894555 - 0.8)^2 + (0.6 - 0.456551)^2) = 0.371808.
-- The Cornish-Fisher t is slightly small at few df, more so at the 99.5th percentile (0.0101 at
-- 4 df, 0.0032 at 5): those cases carry that tolerance, documented in csops.t_quantile.
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
        'wilson 81/263 at 99%' as case_name,
        {{ csops.wilson_bound('81', '263', 'lower', z='2.5758293035489004') }} as got_low,
        {{ csops.wilson_bound('81', '263', 'upper', z='2.5758293035489004') }} as got_high,
        0.24013690268760768 as expected_low,
        0.3852825023182298 as expected_high,
        0.000000000001 as tolerance
    union all
    select
        'newcombe 56/70 - 48/80 at 99%' as case_name,
        {{ csops.newcombe_bound('56', '70', '48', '80', 'lower', z='2.5758293035489004') }} as got_low,
        {{ csops.newcombe_bound('56', '70', '48', '80', 'upper', z='2.5758293035489004') }} as got_high,
        0.2 - sqrt(power(0.8 - 0.6534981834348819, 2) + power(0.7281316365289641 - 0.6, 2)) as expected_low,
        0.2 + sqrt(power(0.8945550124696107 - 0.8, 2) + power(0.6 - 0.45655144878346654, 2)) as expected_high,
        0.000000000001 as tolerance
    union all
    select
        'newcombe 9/10 - 3/10: z_975 by default, as given' as case_name,
        {{ csops.newcombe_bound('9', '10', '3', '10', 'lower') }}
        - {{ csops.newcombe_bound('9', '10', '3', '10', 'lower', z=csops.z_975()) }} as got_low,
        {{ csops.t_quantile_975('7') }} - {{ csops.t_quantile('7', csops.z_975()) }} as got_high,
        0 as expected_low,
        0 as expected_high,
        0 as tolerance
    union all
    select
        'normal quantile 0.975 and 0.995' as case_name,
        {{ csops.normal_quantile('0.975') }} as got_low,
        {{ csops.normal_quantile('0.995') }} as got_high,
        1.959963984540054 as expected_low,
        2.5758293035489004 as expected_high,
        0.000000000000005 as tolerance
    union all
    select
        'normal quantile 0.9 (central region) and 0.001 (lower tail)' as case_name,
        {{ csops.normal_quantile('0.9') }} as got_low,
        {{ csops.normal_quantile('0.001') }} as got_high,
        1.2815515655446004 as expected_low,
        -3.090232306167813 as expected_high,
        0.000000000000005 as tolerance
    union all
    select
        'normal quantile 1 - 0.05 / (2 x 5): a five-metric family, and p = 1 (none)' as case_name,
        {{ csops.normal_quantile('1 - 0.05 / (2.0 * 5)') }} as got_low,
        {{ csops.normal_quantile('1') }} as got_high,
        2.5758293035489004 as expected_low,
        null as expected_high,
        0.000000000000005 as tolerance
    union all
    select
        't 99.5th percentile at 4 df (Cornish-Fisher 4.5940) and 0.5 (median: 0)' as case_name,
        {{ csops.t_quantile('4', '2.5758293035489004') }} as got_low,
        {{ csops.t_quantile('4', '0') }} as got_high,
        4.6041 as expected_low,
        0 as expected_high,
        0.011 as tolerance
    union all
    select
        't 99.5th percentile at 5 and 10 df' as case_name,
        {{ csops.t_quantile('5', '2.5758293035489004') }} as got_low,
        {{ csops.t_quantile('10', '2.5758293035489004') }} as got_high,
        4.0321 as expected_low,
        3.1693 as expected_high,
        0.0035 as tolerance
    union all
    select
        't 99.5th percentile at 10 df (closer) and 20 df' as case_name,
        {{ csops.t_quantile('10', '2.5758293035489004') }} as got_low,
        {{ csops.t_quantile('20', '2.5758293035489004') }} as got_high,
        3.1693 as expected_low,
        2.8453 as expected_high,
        0.00015 as tolerance
    union all
    select
        't 99.5th percentile at 20 and 30 df (to 4 places, as tables give them)' as case_name,
        {{ csops.t_quantile('20', '2.5758293035489004') }} as got_low,
        {{ csops.t_quantile('30', '2.5758293035489004') }} as got_high,
        2.8453 as expected_low,
        2.7500 as expected_high,
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
