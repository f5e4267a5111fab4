with

source as (

    select * from {{ source('community', 'posts') }}

),

latest as (

    {{ csops.latest_version('source', key='id') }}

),

final as (

    select
        cast(id as {{ dbt.type_string() }}) as post_id,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        lower(trim(post_type)) as post_type,
        trim(title) as post_title,
        cast(posted_at as timestamp) as posted_at,
        _loaded_at,
        has_load_conflict
    from latest

)

select * from final
