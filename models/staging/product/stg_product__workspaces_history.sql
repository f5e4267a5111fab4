with

source as (

    select * from {{ source('product', 'workspaces') }}

),

latest as (

    {{ csops.latest_version('source', key='workspace_id') }}

),

renamed as (

    select
        cast(workspace_id as {{ dbt.type_string() }}) as workspace_id,
        trim(workspace_name) as workspace_name,
        {{ csops.normalize_domain('domain') }} as domain,
        cast(created_at as timestamp) as created_at,
        cast(deleted_at as timestamp) as deleted_at,
        deleted_at is not null as is_deleted,
        _loaded_at,
        has_load_conflict
    from latest

),

flagged as (

    select
        *,
        {{ csops.is_internal_test_account('domain', 'workspace_name') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at', 'deleted_at']) }},
            case
                when deleted_at < created_at then 'deleted_before_created'
            end
        ) as invalid_reason
    from renamed

),

final as (

    select
        *,
        invalid_reason is not null as is_invalid
    from flagged

)

select * from final
