-- journey_time_to_value must have a row for segment unknown: a customer whose segment has no row
-- of its own takes that one. Returns a row when it is missing.
with

unknown_rows as (

    select count(*) as unknown_rows
    from {{ ref('journey_time_to_value') }}
    where segment = 'unknown'

),

final as (

    select
        'unknown' as missing_segment,
        unknown_rows
    from unknown_rows
    where unknown_rows = 0

)

select * from final
