-- journey_time_to_value must have a row for segment unknown: a customer whose segment has no row
-- of its own takes that one. Returns a row when it is missing.
select 'unknown' as missing_segment
where not exists (
    select 1 from {{ ref('journey_time_to_value') }}
    where segment = 'unknown'
)
