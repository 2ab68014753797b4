{#- Spark builds read the raw tables from Parquet folders written by `saas-metrics build --target
    spark` (saas_metrics/spark.py). This on-run-start hook declares them as tables in schema raw.
    Var raw_parquet_bookkeeping_tables lists the loader's bookkeeping tables written beside them.
    It does nothing on other engines, or when var raw_parquet_dir is not set (a cluster whose raw
    schema is already in its catalogue). -#}
{% macro register_raw_tables() -%}
    {%- set folder = var('raw_parquet_dir', none) -%}
    {%- if execute and target.type == 'spark' and folder -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | map(attribute='name') | list -%}
        {%- for table in tables + var('raw_parquet_bookkeeping_tables', []) -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query('create table raw.' ~ table ~ " using parquet location '" ~ folder ~ '/' ~ table ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
