{#
    Every version of each community member: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_community__members is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_community__members_history'), at).
#}
with

source as (

    select * from {{ source('community', 'members') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as member_id,
        {{ csops.normalize_email('email') }} as email,
        {{ csops.email_domain('email') }} as email_domain,
        trim(display_name) as display_name,
        cast(joined_at as timestamp) as joined_at,
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
        {{ csops.is_internal_test_account('email_domain') }} as is_test_account,
        coalesce(
            {{ csops.timestamp_after_load_reason(['joined_at']) }},
            {{ csops.email_invalid_reason('email') }}
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
