-- latest_version keeps one row per key: the latest load, ties broken on the row's content, so the
-- same rows in another order give the same result. Two different rows in the latest load are a
-- conflict; identical copies, and differences in older loads only, are not.
with

loads as (

    -- key 1: an older load, then two different versions in the latest load (a conflict)
    select 1 as record_id, 'old' as record_value, 1 as _loaded_at
    union all
    select 1 as record_id, 'left' as record_value, 2 as _loaded_at
    union all
    select 1 as record_id, 'right' as record_value, 2 as _loaded_at
    -- key 2: the same row twice in the latest load (an identical re-sync), a different older load
    union all
    select 2 as record_id, 'same' as record_value, 2 as _loaded_at
    union all
    select 2 as record_id, 'same' as record_value, 2 as _loaded_at
    union all
    select 2 as record_id, 'older' as record_value, 1 as _loaded_at
    -- key 3: one row
    union all
    select 3 as record_id, 'only' as record_value, 1 as _loaded_at

),

loads_reversed as (

    select 3 as record_id, 'only' as record_value, 1 as _loaded_at
    union all
    select 2 as record_id, 'older' as record_value, 1 as _loaded_at
    union all
    select 2 as record_id, 'same' as record_value, 2 as _loaded_at
    union all
    select 2 as record_id, 'same' as record_value, 2 as _loaded_at
    union all
    select 1 as record_id, 'right' as record_value, 2 as _loaded_at
    union all
    select 1 as record_id, 'left' as record_value, 2 as _loaded_at
    union all
    select 1 as record_id, 'old' as record_value, 1 as _loaded_at

),

latest as (

    {{ csops.latest_version('loads', key='record_id') }}

),

latest_from_reversed as (

    {{ csops.latest_version('loads_reversed', key='record_id') }}

),

failures as (

    select 'not one row per key' as failure
    from latest
    having count(*) != 3 or count(distinct record_id) != 3

    union all

    select 'kept an older load' as failure
    from latest
    where record_value in ('old', 'older')

    union all

    select 'a different input order kept a different row for key ' || cast(latest.record_id as varchar) as failure
    from latest
    inner join latest_from_reversed on latest.record_id = latest_from_reversed.record_id
    where
        latest.record_value != latest_from_reversed.record_value
        or latest.has_load_conflict != latest_from_reversed.has_load_conflict

    union all

    select 'conflict flag wrong for key ' || cast(record_id as varchar) as failure
    from latest
    where has_load_conflict != (record_id = 1)

)

select * from failures
