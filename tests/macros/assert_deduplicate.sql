-- deduplicate keeps exactly one row per key: the first by the order given (the latest load).
with

loads as (

    select 1 as record_id, 'old' as record_value, 1 as load_number
    union all
    select 1 as record_id, 'new' as record_value, 2 as load_number
    union all
    select 2 as record_id, 'only' as record_value, 1 as load_number

),

deduplicated as (

    {{ csops.deduplicate('loads', partition_by='record_id', order_by='load_number desc') }}

),

failures as (

    select 'not one row per key' as failure
    from deduplicated
    having count(*) != 2 or count(distinct record_id) != 2

    union all

    select 'kept an older load' as failure
    from deduplicated
    where record_id = 1 and record_value != 'new'

)

select * from failures
