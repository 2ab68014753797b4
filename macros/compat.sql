{#- SQL whose spelling differs between engines. -#}

{#- last_value(expr) over a window, skipping nulls (the window clause follows the macro). -#}
{% macro last_value_ignore_nulls(expr) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'saas_metrics')(expr)) }}
{%- endmacro %}

{% macro default__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}

{% macro duckdb__last_value_ignore_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}
