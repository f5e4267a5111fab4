{#
    Today's state of each invoice: the current version of
    stg_billing__invoices_history, which holds the renaming and flagging (the latest load wins; ties
    within a load are resolved on content and flagged has_load_conflict).
#}
with

history as (

    select * from {{ ref('stg_billing__invoices_history') }}

),

final as (

    {{ csops.current_versions('history') }}

)

select * from final
