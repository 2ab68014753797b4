{#- Data tests on the raw tables check only the rows that no load checked and that were loaded since
    the last build that tested everything and passed.

    `saas-metrics load` types and checks every value, rejects a row whose required column is empty
    or whose primary key repeats within the delivery, and replaces an earlier row that has the same
    key: a row it wrote (its _loaded_at is the loaded_at of a load in raw._load_log) cannot fail the
    raw tests, which check exactly those rules (not_null on required columns, unique and
    unique_combination on primary keys; tests/test_tested_loads.py keeps it so). The raw tests read
    the other rows, written by another process: those with no _loaded_at every time, the others
    when loaded after the load watermark (latest raw._load_log.loaded_at) that
    intermediate._tested_loads keeps for every complete build or test run (no --select or
    --exclude) in which no node failed or was skipped (dbt_project.yml, `where`). A `--full-refresh`
    run forgets the watermarks, so it tests every such row again. -#}

{% macro tested_loads_relation() -%}
    {{ return(bookkeeping_relation('_tested_loads')) }}
{%- endmacro %}

{#- On-run-start: the table, created once before any test runs; emptied by --full-refresh. -#}
{% macro create_tested_loads() -%}
    {%- if execute -%}
        {%- set relation = tested_loads_relation() -%}
        {%- do run_query('create schema if not exists ' ~ relation.without_identifier()) -%}
        {%- do run_query(
            'create table if not exists ' ~ relation ~ ' (loaded_watermark ' ~ dbt.type_timestamp()
            ~ ', recorded_at ' ~ dbt.type_timestamp() ~ ')'
        ) -%}
        {%- if flags.FULL_REFRESH -%}
            {%- do run_query('truncate table ' ~ relation) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- On-run-end: records the watermark when this run tested every raw row it could fail on. -#}
{% macro record_tested_loads(results) -%}
    {%- if execute and flags.WHICH in ('build', 'test') -%}
        {%- set args = invocation_args_dict -%}
        {%- set unfinished = [] -%}
        {%- for result in results if result.status in ('error', 'fail', 'skipped', 'runtime error') -%}
            {%- do unfinished.append(result.node.unique_id) -%}
        {%- endfor -%}
        {%- set tests_ran = results | selectattr('node.resource_type', 'equalto', 'test') | list | length -%}
        {%- if not args.get('select') and not args.get('exclude') and unfinished | length == 0 and tests_ran > 0 -%}
            {%- do run_query(
                'insert into ' ~ tested_loads_relation() ~ ' select max(loaded_at), ' ~ dbt.current_timestamp()
                ~ ' from ' ~ raw_relation('_load_log')
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
