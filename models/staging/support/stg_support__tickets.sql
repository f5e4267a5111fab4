{#
    Today's state of each support ticket: the current version of stg_support__tickets_history,
    which holds the renaming and flagging (the latest load wins; ties within a load are resolved on
    content and flagged has_load_conflict).
#}
with

history as (

    select * from {{ ref('stg_support__tickets_history') }}

),

final as (

    {{ csops.current_versions('history') }}

)

select * from final
