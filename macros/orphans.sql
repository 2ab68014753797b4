{#- On-run-end (DuckDB): drops the tables and views left in the project's schemas by models and seeds
    the project no longer has (renamed, moved or deleted). dbt never drops them, so they stayed in
    `marts` with their last numbers, were published with the warehouse, read by BI tools that knew
    their names and exported as if current. The schemas are those the project's models and seeds
    live in (staging, intermediate, marts, seeds), never the target's own schema or `raw`; names
    starting with an underscore there are bookkeeping (intermediate._incremental_state,
    intermediate._tested_loads) and are kept. -#}
{% macro drop_orphaned_relations() -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('build', 'run', 'seed') -%}
        {%- set current = [] -%}
        {%- set schemas = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'snapshot') -%}
            {%- do current.append((node.schema ~ '.' ~ node.alias) | lower) -%}
            {%- if node.schema not in schemas and node.schema not in (target.schema, 'raw') -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if schemas | length > 0 -%}
            {%- set found = run_query(
                "select table_schema, table_name, table_type from information_schema.tables "
                ~ "where table_catalog = current_database() and table_schema in ('"
                ~ schemas | join("', '") ~ "') and table_name not like '\\_%' escape '\\' "
                ~ "order by 1, 2"
            ) -%}
            {%- for row in found.rows if (row[0] ~ '.' ~ row[1]) | lower not in current -%}
                {%- set kind = 'view' if row[2] == 'VIEW' else 'table' -%}
                {{ log('dropping ' ~ kind ~ ' ' ~ row[0] ~ '.' ~ row[1] ~ ': no model or seed of this project builds it', info=True) }}
                {%- do run_query('drop ' ~ kind ~ ' if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
