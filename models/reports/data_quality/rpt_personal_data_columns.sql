{#-
    Every column of the project's models and snapshots that holds personal data (tagged
    meta: {pii: true} in its YAML): the register a privacy review starts from, queryable in the
    warehouse and listed in the catalog. Built from the project's own YAML at each build, so it
    cannot drift from the tags.
-#}

{%- set personal_columns = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type in ['model', 'snapshot'] and node.package_name == project_name -%}
            {%- for column in node.columns.values() | sort(attribute='name') -%}
                {%- if (column.meta or {}).get('pii') or (column.config.meta or {}).get('pii') -%}
                    {%- do personal_columns.append({
                        'node_name': node.name,
                        'resource_type': node.resource_type,
                        'layer': node.fqn[1] if node.fqn | length > 2 else node.resource_type,
                        'access': node.access if node.resource_type == 'model' else 'protected',
                        'column_name': column.name,
                    }) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

personal_columns as (

    {% for c in personal_columns %}
        select
            '{{ c.node_name }}' as node_name,
            '{{ c.column_name }}' as column_name,
            '{{ c.resource_type }}' as resource_type,
            '{{ c.layer }}' as layer,
            '{{ c.access }}' as model_access
        {% if not loop.last %}union all{% endif %}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as node_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as resource_type,
            cast(null as {{ dbt.type_string() }}) as layer,
            cast(null as {{ dbt.type_string() }}) as model_access
        where false
    {% endfor %}

),

final as (

    select
        {{ csops.generate_surrogate_key(['node_name', 'column_name']) }} as personal_data_column_id,
        node_name,
        column_name,
        resource_type,
        layer,
        model_access
    from personal_columns

)

select * from final
