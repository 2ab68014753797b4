{#- Calendar helpers. All instants are UTC timestamps; months are DATEs on their first day. -#}

{% macro month_of(instant) -%}
    cast(date_trunc('month', {{ instant }}) as date)
{%- endmacro %}

{% macro add_months(month_date, months) -%}
    {{ return(adapter.dispatch('add_months', 'saas_metrics')(month_date, months)) }}
{%- endmacro %}

{% macro default__add_months(month_date, months) -%}
    add_months({{ month_date }}, {{ months }})
{%- endmacro %}

{% macro duckdb__add_months(month_date, months) -%}
    cast({{ month_date }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{#- Whole months from month_a to month_b (both first-of-month dates). -#}
{% macro months_between(month_a, month_b) -%}
    {{ return(adapter.dispatch('months_between', 'saas_metrics')(month_a, month_b)) }}
{%- endmacro %}

{% macro default__months_between(month_a, month_b) -%}
    cast(months_between({{ month_b }}, {{ month_a }}) as integer)
{%- endmacro %}

{% macro duckdb__months_between(month_a, month_b) -%}
    cast(datediff('month', {{ month_a }}, {{ month_b }}) as integer)
{%- endmacro %}

{#- The month-end instant of a month: the first instant of the next month, or as_of_ts for the
    as_of month ("the value at the end of M" is the value in effect just before it). -#}
{% macro month_end_instant(month_date, as_of_ts) -%}
    least(cast({{ add_months(month_date, 1) }} as timestamp), {{ as_of_ts }})
{%- endmacro %}

{#- One row per month (column `month`) from start_month to end_month inclusive. -#}
{% macro month_spine(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_spine', 'saas_metrics')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__month_spine(start_month, end_month) -%}
    select explode(sequence({{ start_month }}, {{ end_month }}, interval 1 month)) as month
{%- endmacro %}

{% macro duckdb__month_spine(start_month, end_month) -%}
    select cast(range as date) as month
    from range(cast({{ start_month }} as timestamp), cast({{ end_month }} as timestamp) + interval 1 day, interval 1 month)
{%- endmacro %}
