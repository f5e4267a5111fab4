-- csops.load_versions and csops.as_known_at: the state as known at an instant is what
-- csops.latest_version (the current-state rule) gives on the rows loaded up to that instant, at
-- every instant - before the first load, exactly at a load, between loads, after the last. Key 1
-- has four loads: a change, a re-sync of the same row (a version of its own, with its own
-- _loaded_at), then two different rows in one load (a conflict, resolved as latest_version does);
-- key 2 appears at load 3 only. The rows come in an order unlike their loads.
{%- set instants = [
    ('2026-09-30', 0),
    ('2026-10-02 06:00:00', 1),
    ('2026-10-03 12:00:00', 2),
    ('2026-10-04 06:00:00', 2),
    ('2026-12-01', 2),
] %}
with

loads as (

    select 1 as record_id, 'right' as record_value, cast('2026-10-04 06:00:00' as timestamp) as _loaded_at
    union all
    select 1 as record_id, 'first' as record_value, cast('2026-10-01 06:00:00' as timestamp) as _loaded_at
    union all
    select 2 as record_id, 'late' as record_value, cast('2026-10-03 06:00:00' as timestamp) as _loaded_at
    union all
    select 1 as record_id, 'changed' as record_value, cast('2026-10-03 06:00:00' as timestamp) as _loaded_at
    union all
    select 1 as record_id, 'left' as record_value, cast('2026-10-04 06:00:00' as timestamp) as _loaded_at
    union all
    select 1 as record_id, 'changed' as record_value, cast('2026-10-02 06:00:00' as timestamp) as _loaded_at

),

versions as (

    {{ csops.load_versions('loads', key='record_id') }}

),

history as (

    -- what a history model adds to load_versions
    select
        *,
        _loaded_at as valid_from,
        valid_to is null as is_current
    from versions

),

{% for at, expected_rows in instants %}
known_{{ loop.index }} as (

    {{ csops.as_known_at('history', at) }}

),

loaded_by_{{ loop.index }} as (

    select * from loads
    where _loaded_at <= {{ csops.instant(at) }}

),

latest_{{ loop.index }} as (

    {{ csops.latest_version('loaded_by_' ~ loop.index, key='record_id') }}

),

{% endfor %}

failures as (

    select 'key 1 does not have one version per load, each ending at the next' as failure
    from history
    where record_id = 1
    having
        count(*) != 4
        or count(valid_to) != 3
        or sum(case when valid_to <= valid_from then 1 else 0 end) != 0
        or sum(case when is_current then 1 else 0 end) != 1
        or sum(case when has_load_conflict then 1 else 0 end) != 1

    {% for at, expected_rows in instants %}
        union all

        select 'at {{ at }}: not {{ expected_rows }} rows' as failure
        from known_{{ loop.index }}
        having count(*) != {{ expected_rows }}

        union all

        select 'at {{ at }}: as_known_at has a row latest_version on the rows loaded by then has not' as failure
        from (
            select * from known_{{ loop.index }}
            except all
            select * from latest_{{ loop.index }}
        ) as extra

        union all

        select 'at {{ at }}: latest_version on the rows loaded by then has a row as_known_at has not' as failure
        from (
            select * from latest_{{ loop.index }}
            except all
            select * from known_{{ loop.index }}
        ) as missing
    {% endfor %}

)

select * from failures
