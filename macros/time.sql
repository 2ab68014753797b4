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

{#- Whether a cohort of month_date has had its whole look-ahead window by as_of_ts: every member
    entered before the next month's first instant, so the window of `days` days after the last
    possible entry ends by then. A rate over a cohort whose window is not complete can still rise. -#}
{% macro is_window_complete(month_date, days, as_of_ts) -%}
    (cast({{ add_months(month_date, 1) }} as timestamp) + interval {{ days }} day <= {{ as_of_ts }})
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

{#- A timestamp as fixed-width text with microseconds (2024-01-31T09:30:00.000000): the same on
    every engine, for building keys. -#}
{% macro timestamp_key(instant) -%}
    {{ return(adapter.dispatch('timestamp_key', 'saas_metrics')(instant)) }}
{%- endmacro %}

{% macro default__timestamp_key(instant) -%}
    date_format({{ instant }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
{%- endmacro %}

{% macro duckdb__timestamp_key(instant) -%}
    strftime({{ instant }}, '%Y-%m-%dT%H:%M:%S.%f')
{%- endmacro %}

{#- Seconds since 1970-01-01 00:00 UTC, with the fraction, as a double. -#}
{% macro epoch_seconds(instant) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'saas_metrics')(instant)) }}
{%- endmacro %}

{% macro default__epoch_seconds(instant) -%}
    (cast(unix_micros({{ instant }}) as double) / 1000000.0)
{%- endmacro %}

{% macro duckdb__epoch_seconds(instant) -%}
    epoch({{ instant }})
{%- endmacro %}

{#- Whole seconds from instant_a to instant_b (second boundaries crossed). -#}
{% macro seconds_between(instant_a, instant_b) -%}
    {{ return(adapter.dispatch('seconds_between', 'saas_metrics')(instant_a, instant_b)) }}
{%- endmacro %}

{% macro default__seconds_between(instant_a, instant_b) -%}
    (unix_seconds({{ instant_b }}) - unix_seconds({{ instant_a }}))
{%- endmacro %}

{% macro duckdb__seconds_between(instant_a, instant_b) -%}
    date_diff('second', {{ instant_a }}, {{ instant_b }})
{%- endmacro %}

{#- One row per day (column `day_start`, a DATE) from start_date to end_date inclusive. -#}
{% macro day_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_spine', 'saas_metrics')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_spine(start_date, end_date) -%}
    select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day)) as day_start
{%- endmacro %}

{% macro duckdb__day_spine(start_date, end_date) -%}
    select cast(range as date) as day_start
    from range(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp) + interval 1 day, interval 1 day)
{%- endmacro %}
