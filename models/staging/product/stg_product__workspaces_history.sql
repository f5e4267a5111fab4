{#
    Every version of each product workspace: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_product__workspaces is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_product__workspaces_history'), at).
#}
with

source as (

    select * from {{ source('product', 'workspaces') }}

),

versions as (

    {{ csops.load_versions('source', key='workspace_id') }}

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
        has_load_conflict,
        _loaded_at as valid_from,
        valid_to,
        valid_to is null as is_current
    from versions

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
