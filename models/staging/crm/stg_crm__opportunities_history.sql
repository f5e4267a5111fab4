{#
    Every version of each CRM opportunity: one row per record and load (_loaded_at),
    ties within a load resolved as for the current state (csops.load_versions), renamed and
    flagged here once. valid_from / valid_to: from this load to the record's next load (null: the
    current version). stg_crm__opportunities is the current rows of this model; the state as known at an
    instant is csops.as_known_at(ref('stg_crm__opportunities_history'), at).
#}
with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

versions as (

    {{ csops.load_versions('source', key='id') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {{ csops.to_snake_code('type') }} as opportunity_type,
        {{ csops.to_snake_code('stage_name') }} as opportunity_stage,
        cast(amount as decimal(18, 2)) as amount,
        upper(trim(currency_iso_code)) as currency_code,
        cast(close_date as date) as close_date,
        coalesce(is_deleted, false) as is_deleted,
        {{ csops.iso_to_utc('created_date') }} as created_at,
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
        opportunity_stage in ('closed_won', 'closed_lost') as is_closed,
        opportunity_stage = 'closed_won' as is_won,
        -- close_date is the expected close of an open deal and may lie ahead: not checked
        coalesce(
            {{ csops.timestamp_after_load_reason(['created_at']) }},
            case
                when amount < 0 then 'negative_amount'
                when account_id is null then 'missing_account'
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
