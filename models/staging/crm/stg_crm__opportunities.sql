{#
    Today's state of each CRM opportunity: the current version of
    stg_crm__opportunities_history, which holds the renaming and flagging (the latest load wins; ties
    within a load are resolved on content and flagged has_load_conflict).
#}
with

history as (

    select * from {{ ref('stg_crm__opportunities_history') }}

),

final as (

    {{ csops.current_versions('history') }}

)

select * from final
