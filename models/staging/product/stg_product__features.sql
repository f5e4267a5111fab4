with

source as (

    select * from {{ source('product', 'features') }}

),

latest as (

    {{ csops.latest_version('source', key='feature_key') }}

),

final as (

    select
        cast(feature_key as {{ dbt.type_string() }}) as feature_key,
        trim(feature_name) as feature_name,
        lower(trim(category)) as feature_category,
        coalesce(is_core, false) as is_core_feature,
        cast(released_on as date) as released_date,
        _loaded_at,
        has_load_conflict
    from latest

)

select * from final
