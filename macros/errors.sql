{#- Fails the query that evaluates it with the given message (a data error that must stop the build). -#}
{% macro raise_data_error(message) -%}
    {{ return(adapter.dispatch('raise_data_error', 'saas_metrics')(message)) }}
{%- endmacro %}

{% macro default__raise_data_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_data_error(message) -%}
    error({{ message }})
{%- endmacro %}

{#- dbt's safe_cast is a plain cast on DuckDB; a bad value must give null, not abort. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
