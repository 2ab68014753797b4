{#- Models land in the schema their folder names (staging, intermediate, marts) exactly, so BI
    tools can be pointed at marts.<table>; without a custom schema, the target's own schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
