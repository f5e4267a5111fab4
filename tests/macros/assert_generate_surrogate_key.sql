-- generate_surrogate_key: deterministic, separates columns ('a','bc' vs 'ab','c'), tells null
-- from empty string, and matches dbt_utils' definition md5('a-bc'). Returns a row per broken rule.
with

cases as (

    select 1 as case_id, 'a' as first_part, 'bc' as second_part
    union all
    select 2 as case_id, 'ab' as first_part, 'c' as second_part
    union all
    select 3 as case_id, null as first_part, 'a' as second_part
    union all
    select 4 as case_id, '' as first_part, 'a' as second_part

),

keyed as (

    select
        case_id,
        {{ csops.generate_surrogate_key(['first_part', 'second_part']) }} as surrogate_key,
        {{ csops.generate_surrogate_key(['first_part', 'second_part']) }} as surrogate_key_again
    from cases

),

failures as (

    select 'keys of different inputs collide' as failure
    from keyed
    having count(distinct surrogate_key) != 4

    union all

    select 'key is not deterministic' as failure
    from keyed
    where surrogate_key != surrogate_key_again

    union all

    select 'key differs from md5 of the values joined by -' as failure
    from keyed
    where case_id = 1 and surrogate_key != md5('a-bc')

)

select * from failures
