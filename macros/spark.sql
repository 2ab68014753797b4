{#- Spark builds read the raw tables from Parquet folders written by `saas-metrics build --target
    spark` (saas_metrics/spark.py). This on-run-start hook declares them as tables in schema raw.
    It does nothing on other engines, or when var raw_parquet_dir is not set (a cluster whose raw
    schema is already in its catalogue). -#}
{% macro register_raw_tables() -%}
    {%- set folder = var('raw_parquet_dir', none) -%}
    {%- if execute and target.type == 'spark' and folder -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source in graph.sources.values() | selectattr('source_name', 'equalto', 'raw') -%}
            {%- do run_query('drop table if exists raw.' ~ source.name) -%}
            {%- do run_query(
                'create table raw.' ~ source.name ~ " using parquet location '"
                ~ folder ~ '/' ~ source.name ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
