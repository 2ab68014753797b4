{#- A bound of the reporting window (as_of_ts, as_of_date or as_of_month of int_reporting_window),
    for a filter on a large table.

    When a table, an incremental model or an ephemeral model (compiled into the model that reads it)
    is built, the bound is read from the warehouse before the model runs and written into its SQL as
    a constant. Compared with a join to the one-row reporting window, a constant lets
    the query planner estimate how many rows the filter keeps: with the join it guessed a few hundred
    rows out of millions, built its hash tables on the wrong side of the joins that follow, and held
    every session in memory at once (DECISIONLOG "Tests at scale").

    Where the reporting window cannot be read first (a unit test, whose inputs are fixtures; parsing;
    compiling before the first build) the bound is a scalar subquery on the reporting window, which
    gives the same rows. -#}
{% macro reporting_window_bound(column) -%}
    {%- set types = {'as_of_ts': 'timestamp', 'as_of_date': 'date', 'as_of_month': 'date'} -%}
    {%- if column not in types -%}
        {{ exceptions.raise_compiler_error("reporting_window_bound: unknown column '" ~ column ~ "'") }}
    {%- endif -%}
    {%- set window = ref('int_reporting_window') -%}
    {#- a unit test has no relation of its own (`this` is none); a view would keep the constant after
        the reporting window moves, until it is built again, so it reads the reporting window -#}
    {%- if execute and this is not none and config.get('materialized') != 'view'
        and load_relation(window) is not none -%}
        {%- set value = run_query('select ' ~ column ~ ' from ' ~ window).columns[0].values()[0] -%}
        {#- no billing data and no as_of var: a null bound, which keeps no row, as the join would -#}
        {%- if value is none -%}
            cast(null as {{ types[column] }})
        {%- else -%}
            cast('{{ value }}' as {{ types[column] }})
        {%- endif -%}
    {%- else -%}
        (select {{ column }} from {{ window }})
    {%- endif -%}
{%- endmacro %}
