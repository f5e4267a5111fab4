-- quoted_list: a text list var as the inside of an IN list - every value matched, a quote inside a
-- value doubled, nothing else matched, and an empty list matching nothing. Returns a row per
-- broken rule.
with

cases as (

    select 'feature_request' as value
    union all
    select 'o''brien' as value
    union all
    select 'bug' as value

),

failures as (

    select 'a listed value is not matched' as failure
    from cases
    having count(case when value in ({{ csops.quoted_list(['feature_request', "o'brien"]) }}) then 1 end) != 2

    union all

    select 'a value not listed is matched' as failure
    from cases
    where value = 'bug' and value in ({{ csops.quoted_list(['feature_request', "o'brien"]) }})

    union all

    select 'an empty list matches something' as failure
    from cases
    where value in ({{ csops.quoted_list([]) }})

)

select * from failures
