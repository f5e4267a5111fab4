-- The project's generic tests must fail on bad rows, not only pass on good ones: each is run on a
-- small fixture and must return exactly the rows that break it.
{%- set fixture -%}
    (
        select 1 as row_id, 5 as score, 10 as amount_due, 10 as amount_paid
        union all
        select 2 as row_id, -1 as score, 10 as amount_due, 12 as amount_paid
        union all
        select 3 as row_id, 11 as score, 10 as amount_due, 0 as amount_paid
        union all
        select 4 as row_id, null as score, 10 as amount_due, 10 as amount_paid
        union all
        select 2 as row_id, 10 as score, 10 as amount_due, 10 as amount_paid
    ) as fixture
{%- endset %}

with

out_of_range as (

    {{ csops.test_accepted_range(model=fixture, column_name='score', min_value=0, max_value=10) }}

),

strictly_out_of_range as (

    {{ csops.test_accepted_range(model=fixture, column_name='score', min_value=0, max_value=10, inclusive=false) }}

),

overpaid as (

    {{ csops.test_expression_is_true(model=fixture, expression='amount_paid <= amount_due') }}

),

duplicated as (

    {{ csops.test_unique_combination_of_columns(model=fixture, combination_of_columns=['row_id']) }}

),

failures as (

    select 'accepted_range missed or invented out-of-range rows' as failure
    from out_of_range
    having count(*) != 2

    union all

    select 'accepted_range with inclusive=false is not strict' as failure
    from strictly_out_of_range
    having count(*) != 3

    union all

    select 'expression_is_true missed the overpaid row' as failure
    from overpaid
    having count(*) != 1 or min(row_id) != 2

    union all

    select 'unique_combination_of_columns missed the duplicate key' as failure
    from duplicated
    having count(*) != 1

)

select * from failures
