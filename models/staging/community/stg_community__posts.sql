with

source as (

    select * from {{ source('community', 'posts') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as post_id,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        lower(trim(post_type)) as post_type,
        trim(title) as post_title,
        cast(posted_at as timestamp) as posted_at,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.timestamp_after_load_reason(['posted_at']) }} as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
