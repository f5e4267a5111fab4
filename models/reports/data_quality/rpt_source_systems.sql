{#-
    One row per source system: whether this warehouse was built with it. Billing and CRM are
    always on; every other system has a var enable_<system>. A switched-off system has no raw
    tables, staging models, marts or tests here, and the customer 360 columns it feeds are null.
    The quality suites (csops quality) read this table to skip the suites that need a system
    this warehouse does not have.
-#}

with

systems as (

    {% for system in ['billing', 'crm'] + csops.optional_systems() -%}
        select
            '{{ system }}' as source_system,
            {{ 'true' if system in csops.optional_systems() else 'false' }} as is_optional,
            {{ 'true' if csops.system_enabled(system) else 'false' }} as is_enabled
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        source_system,
        is_optional,
        is_enabled,
        case when is_optional then 'enable_' || source_system end as enable_var
    from systems

)

select * from final
