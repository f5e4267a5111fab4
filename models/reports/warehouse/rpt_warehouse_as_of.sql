{#-
    The day every mart describes, one row: join any mart to it (a cross join) to show "data as
    of" on a dashboard. Marts are rebuilt together, so they all share this day and build.
-#}

with

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

final as (

    select
        as_of_date,
        '{{ invocation_id }}' as dbt_invocation_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at
    from as_of

)

select * from final
