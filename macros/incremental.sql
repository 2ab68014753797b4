{#- Incremental models, rebuilt a month (or, for sessions and contacts on DuckDB, a row) at a time.

    An incremental model keeps one partition per month (its month column). Each run rebuilds
    exactly the months that the raw data loaded since the model's last successful run can have
    changed (`changed_months`), from the full history: a month is deleted and written again
    whole. A model with a row key (`incremental_config(..., row_key=...)`, in a domain with a row
    rule: `changed_rows`) is patched instead on DuckDB: only the rows that can have changed are
    deleted and written again, in the months they fall in; rows the new data cannot have changed
    stay as stored. After a successful run the model's post-hook records its state in
    intermediate._incremental_state: the raw load watermark (latest raw._load_log.loaded_at), the
    reporting window (as_of) and a checksum of its code, every upstream node's code and seeds, and
    the project vars. Without a recorded state, or when that checksum changed, the run rebuilds
    every month.

    What makes a month (or row) "changed" is defined per domain:
    - sessions (fct_touchpoints, row key touchpoint_id): sessions delivered or replaced (old and
      new versions, from raw._replaced_rows); every session of a cookie whose owner can have
      changed (cookies of changed sessions that carry a contact_id, of changed contacts, of the
      sessions of changed contacts, and of contacts created between the old and the new as_of);
      every session of a changed contact; sessions between the old and the new as_of; and the
      months of all of these.
    - contacts (int_contact_stages, row key contact_id: every stage row of a contact): contacts
      and lifecycle stage changes delivered or replaced (old and new versions); contacts with a
      creation or a stage change between the old and the new as_of; and the months of every entry
      of these contacts, earlier versions included.
    - usage (int_product_usage_monthly): months of usage rows delivered or replaced; every month
      of a customer whose billing_customers row changed (test flag); days between the old and the
      new as_of.
    - lineage (funnel visitors, product usage, health inputs and scores, cost to serve, revenue
      transactions, customer MRR months, MRR movements, e-mail engagement, conversion touches,
      attribution): every month from the earliest one anything in the model's lineage changed
      (lineage_changed_months, below), for models whose month depends only on earlier data.

    Strategy by engine (`incremental_config`): DuckDB `delete+insert` keyed on the month column,
    after a pre-hook deletes the changed months (so a month left with no rows is emptied too), or,
    with a row key, `append` after a pre-hook deletes the changed rows, whose keys
    incremental_rebuilt_months stored in intermediate._changed_rows_<model> (a row that left the
    reporting window is deleted and not written again); Spark `insert_overwrite` partitioned by
    the month column (Parquet tables support only append and insert_overwrite), whose pre-hook
    drops the changed months' partitions, with or without a row key. -#}

{% macro incremental_config(month_column, domain, row_key=none) -%}
    {{ return(adapter.dispatch('incremental_config', 'saas_metrics')(month_column, domain, row_key)) }}
{%- endmacro %}

{#- What every engine shares: the pre-hooks that record the rebuilt months and clear what the run
    rewrites (the changed months, or with a row key the changed rows), the state post-hook, fail on
    schema change. -#}
{% macro incremental_common_config(month_column, domain, row_key=none) -%}
    {%- set clear_hook = "{{ saas_metrics.clear_changed_months('" ~ domain ~ "', '" ~ month_column ~ "') }}"
        if row_key is none
        else "{{ saas_metrics.clear_changed_rows('" ~ domain ~ "', '" ~ row_key ~ "') }}" -%}
    {{ return({
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_month_column': month_column,
        'pre_hook': [
            "{{ saas_metrics.record_rebuilt_months('" ~ domain ~ "', '" ~ month_column ~ "') }}",
            clear_hook,
        ],
        'post_hook': ["{{ saas_metrics.record_incremental_state() }}"],
    }) }}
{%- endmacro %}

{#- DuckDB: whole months replaced (delete+insert on the month column), or, for a model with a row key
    (a domain with a row rule, changed_rows), only the rows that can have changed: their keys are
    stored when the months are (incremental_rebuilt_months), a pre-hook deletes those rows, and the
    model's select appends them again. -#}
{% macro default__incremental_config(month_column, domain, row_key) -%}
    {%- set config = incremental_common_config(month_column, domain, row_key) -%}
    {%- if row_key is none -%}
        {%- do config.update({'incremental_strategy': 'delete+insert', 'unique_key': month_column}) -%}
    {%- else -%}
        {%- do config.update({'incremental_strategy': 'append', 'incremental_row_key': row_key}) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#- Spark: whole months, always (Parquet tables cannot delete rows); a row key is not used. -#}
{% macro spark__incremental_config(month_column, domain, row_key) -%}
    {%- set config = incremental_common_config(month_column, domain) -%}
    {%- do config.update({'incremental_strategy': 'insert_overwrite', 'partition_by': [month_column]}) -%}
    {{ return(config) }}
{%- endmacro %}

{#- A filter on the month column for the model's select: true on a full build, else the month is
    one of the months this run rebuilds (incremental_rebuilt_months), written as constants. In the
    `lineage` domain those are every month from the first one on, so the filter is
    incremental_months_since's bound. -#}
{% macro incremental_months_filter(month_expr, domain) -%}
    {%- if domain == 'lineage' -%}
        {{ return(incremental_months_since(month_expr, domain)) }}
    {%- endif -%}
    {%- set months = incremental_rebuilt_months(domain) -%}
    {{ return('true' if months is none else months_in(month_expr, months)) }}
{%- endmacro %}

{#- A lower bound for the model's inputs: true on a full build, else the value (a month, or a date
    or timestamp column of a dated input) is at or after the first month this run rebuilds, less
    `months_before` months (for inputs the rebuilt months look back at, such as the previous
    month); false when the run rebuilds no month. The bound is a constant, so the warehouse prunes
    the scan of a stored date column. For a `lineage` model, whose rebuilt months run from the
    first one to the last month, it is the exact filter on its month column; in other domains, a
    pre-filter beside incremental_months_filter. -#}
{% macro incremental_months_since(month_expr, domain, months_before=0) -%}
    {%- set months = incremental_rebuilt_months(domain) -%}
    {%- set dated = [] if months is none else months | reject('none') | list -%}
    {%- if months is none -%}
        true
    {%- elif dated | length == 0 -%}
        false
    {%- else -%}
        {{ month_expr }} >= {{ add_months("cast('" ~ dated[0] ~ "' as date)", -months_before) }}
    {%- endif -%}
{%- endmacro %}

{#- A filter on the row key for the model's select: true on a full build and for a model without a
    row key (incremental_config), else the key is one of the rows this run rebuilds, as
    incremental_rebuilt_months stored them. -#}
{% macro incremental_rows_filter(key_expr, domain) -%}
    {%- if config.get('incremental_row_key') is none or incremental_rebuilt_months(domain) is none -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return(key_expr ~ ' in (select row_key from ' ~ changed_rows_relation() ~ ')') }}
{%- endmacro %}

{#- `expr` is one of the given months (dates as 'YYYY-MM-DD'; a null month matches no row): false
    for none. -#}
{% macro months_in(expr, months) -%}
    {%- set literals = [] -%}
    {%- for month in months if month is not none -%}
        {%- do literals.append("cast('" ~ month ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(expr ~ ' in (' ~ (literals | join(', ')) ~ ')' if literals else 'false') }}
{%- endmacro %}

{#- Whether the model is being compiled for an incremental run from a usable state (else its
    filters are `true`: a full build). -#}
{% macro incremental_run_with_state() -%}
    {#- changed_months reads the reporting window: declared at parse time, so dbt builds it first
        (the raw tables it reads are not declared: they exist before any build, and a unit test
        would otherwise need them as inputs) -#}
    {%- set _ = ref('int_reporting_window') -%}
    {#- a unit test has no relation of its own (`this` is none): it always tests the full build -#}
    {{ return(this is not none and is_incremental() and incremental_state() is not none) }}
{%- endmacro %}

{#- The months this incremental run rebuilds ('YYYY-MM-DD', ascending, a null month last if the
    domain gave one), or none when it rebuilds every month (no usable state): the domain's changed
    months, queried once per node and run (for a model with a row key, the months of the changed
    rows, whose keys this query stores in changed_rows_relation). The node's compile (its first
    rebuilt month is a constant in its filters) and its pre-hook (which records the months) are
    rendered in separate contexts; both read the list from the run's store (run_store). Both happen
    as the node starts, on the warehouse as it is then (a DuckDB file is open to one writer, the
    build, for the whole run). -#}
{% macro incremental_rebuilt_months(domain) -%}
    {%- if not incremental_run_with_state() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set store = run_store() -%}
    {%- if model.unique_id not in store -%}
        {%- if config.get('incremental_row_key') is none -%}
            {%- set changed = changed_months(domain, incremental_state(), incremental_month_column()) -%}
        {%- else -%}
            {#- a model with a row key stores the keys of the rows it rebuilds, with their months, once:
                the model's select and the pre-hook that deletes them read the stored keys -#}
            {%- do run_query('create or replace table ' ~ changed_rows_relation() ~ ' as select distinct row_key, '
                ~ month_of('changed_at') ~ ' as month from (' ~ changed_rows(domain, incremental_state()) ~ ') as changed') -%}
            {%- set changed = 'select month from ' ~ changed_rows_relation() -%}
        {%- endif -%}
        {%- set query = 'select distinct cast(month as ' ~ dbt.type_string() ~ ') from (' ~ changed ~ ') as changed' -%}
        {%- set values = run_query(query).columns[0].values() -%}
        {%- set months = [] -%}
        {%- for month in values if month is not none -%}
            {%- do months.append(month[:10]) -%}
        {%- endfor -%}
        {%- set months = months | sort -%}
        {%- if none in values -%}
            {%- do months.append(none) -%}
        {%- endif -%}
        {%- do store.update({model.unique_id: months}) -%}
    {%- endif -%}
    {{ return(store[model.unique_id]) }}
{%- endmacro %}

{#- Values kept for the length of one dbt invocation, shared by every context dbt renders in it
    (a node's compile, its hooks): a dictionary in the run's graph, keyed by invocation id. Created
    on run start (create_incremental_state), before the threads start. -#}
{% macro run_store() -%}
    {%- if '__saas_metrics_runs' not in graph -%}
        {%- do graph.update({'__saas_metrics_runs': {}}) -%}
    {%- endif -%}
    {%- set runs = graph['__saas_metrics_runs'] -%}
    {%- if invocation_id not in runs -%}
        {%- do runs.update({invocation_id: {}}) -%}
    {%- endif -%}
    {{ return(runs[invocation_id]) }}
{%- endmacro %}

{#- The model's month column, as incremental_config set it. -#}
{% macro incremental_month_column() -%}
    {%- set column = config.get('incremental_month_column') -%}
    {%- if column is none -%}
        {{ exceptions.raise_compiler_error('incremental_month_column: ' ~ this ~ ' is not configured by incremental_config') }}
    {%- endif -%}
    {{ return(column) }}
{%- endmacro %}

{#- Values computed once per compile of a node (its incremental state): kept in
    the node's `model` dictionary, which every macro the node calls shares while it is rendered. -#}
{% macro compile_cache() -%}
    {%- if '__saas_metrics_cache' not in model -%}
        {%- do model.update({'__saas_metrics_cache': {}}) -%}
    {%- endif -%}
    {{ return(model['__saas_metrics_cache']) }}
{%- endmacro %}

{#- The months recorded by the model's latest run that recorded any (a null month: every month), as
    a query. -#}
{% macro rebuilt_months_sql(model_name) -%}
    select month from {{ rebuilt_months_relation() }}
    where model_name = '{{ model_name }}'
        and recorded_at = (
            select max(recorded_at) from {{ rebuilt_months_relation() }} where model_name = '{{ model_name }}'
        )
{%- endmacro %}

{#- Pre-hook: records the months this run rebuilds (incremental_rebuilt_months), or a single null
    month (every month) when no usable state. Appended, never updated (Spark's Parquet tables cannot
    delete rows): readers take the latest run's rows. The model's data tests read the months every
    run since the last complete passing build rewrote (in_rebuilt_months). -#}
{% macro record_rebuilt_months(domain, month_column) -%}
    {%- if execute -%}
        {%- set months = incremental_rebuilt_months(domain) -%}
        {%- set rows = [none] if months is none or months | length == 0 else months -%}
        insert into {{ rebuilt_months_relation() }}
        select '{{ this.identifier }}', cast(month as date), {{ dbt.current_timestamp() }}
        from values
            {%- for month in rows %} ({{ 'null' if month is none else "'" ~ month ~ "'" }}){{ ',' if not loop.last }}
            {%- endfor %} as rebuilt(month)
        {%- if months is not none and months | length == 0 %}
        where 1 = 0
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: deletes the months this run rebuilds (every month when no usable state, none when
    nothing changed). -#}
{% macro clear_changed_months(domain, month_column) -%}
    {%- if execute and is_incremental() -%}
        {{ return(adapter.dispatch('clear_months', 'saas_metrics')(
            month_column, incremental_rebuilt_months(domain))) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model with a row key: deletes the rows this run rebuilds (every row when no usable
    state). -#}
{% macro clear_changed_rows(domain, row_key) -%}
    {%- if execute and is_incremental() -%}
        delete from {{ this }}
        {%- if incremental_rebuilt_months(domain) is not none %}
        where {{ row_key }} in (select row_key from {{ changed_rows_relation() }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- The keys of the rows the model's latest incremental run rebuilt. -#}
{% macro changed_rows_relation() -%}
    {{ return(bookkeeping_relation('_changed_rows_' ~ this.identifier)) }}
{%- endmacro %}

{% macro default__clear_months(month_column, months) -%}
    delete from {{ this }}
    {%- if months is not none %}
    where {{ months_in(month_column, months) }}
    {%- endif %}
{%- endmacro %}

{% macro spark__clear_months(month_column, months) -%}
    {%- set query = 'select distinct ' ~ month_column ~ ' as month from ' ~ this -%}
    {%- if months is not none -%}
        {%- set query = query ~ ' where ' ~ months_in(month_column, months) -%}
    {%- endif -%}
    {%- for month in run_query(query).columns[0].values() -%}
        {%- do run_query('alter table ' ~ this ~ " drop if exists partition (" ~ month_column ~ " = '" ~ month ~ "')") -%}
    {%- endfor -%}
{%- endmacro %}

{#- The project's bookkeeping tables (incremental state, rebuilt months, tested loads) live in the
    intermediate schema of the target's database. -#}
{% macro bookkeeping_relation(identifier) -%}
    {{ return(api.Relation.create(
        database=(target.database if target.database is defined else none),
        schema='intermediate',
        identifier=identifier
    )) }}
{%- endmacro %}

{% macro incremental_state_relation() -%}
    {{ return(bookkeeping_relation('_incremental_state')) }}
{%- endmacro %}

{% macro rebuilt_months_relation() -%}
    {{ return(bookkeeping_relation('_rebuilt_months')) }}
{%- endmacro %}

{#- A table of the raw schema, located like the raw sources. Read from the graph when the hooks
    run: calling source() here would make every incremental model depend on that source, and the
    `lineage` domain would then count its changes. -#}
{% macro raw_relation(identifier) -%}
    {%- set raw_sources = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | list
        if execute else [] -%}
    {%- if raw_sources | length == 0 -%}
        {{ return(api.Relation.create(schema='raw', identifier=identifier)) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=raw_sources[0].database, schema=raw_sources[0].schema, identifier=identifier
    )) }}
{%- endmacro %}

{#- The project vars a model can read, as_of excepted (a moving as_of is part of every domain's
    month rule): their values are part of the lineage checksum, so that changing one rebuilds
    every month of the incremental models instead of leaving months computed with the old value.
    tests/test_incremental.py checks that this list names every var the models and macros read. -#}
{% macro checksummed_vars() -%}
    {{ return([
        'gross_margin', 'health_nps_missing_score', 'health_risk_ticket_penalty', 'health_ticket_penalty',
        'health_ticket_window_months', 'health_urgent_ticket_penalty', 'health_weight_nps',
        'health_weight_seat_utilization', 'health_weight_tickets', 'health_weight_unpaid_invoices',
        'health_weight_usage_trend', 'invoice_payment_terms_days', 'lookback_days',
        'raw_parquet_bookkeeping_tables', 'raw_parquet_dir', 'usage_drop_threshold',
    ]) }}
{%- endmacro %}

{#- Checksum of this model's code and of every node upstream of it (models, seeds, snapshots), and
    of the values of the project vars. -#}
{% macro lineage_checksum() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {#- breadth-first over a list that grows as parents are found, each node once -#}
    {%- set lineage = [model.unique_id] -%}
    {%- set checksums = [] -%}
    {%- for node_id in lineage -%}
        {%- set node = model if node_id == model.unique_id else graph.nodes.get(node_id) -%}
        {%- if node is not none -%}
            {%- do checksums.append(node_id ~ ':' ~ node.checksum.checksum) -%}
            {%- for parent in node.depends_on.nodes if parent not in lineage -%}
                {%- do lineage.append(parent) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in checksummed_vars() -%}
        {%- do checksums.append('var:' ~ name ~ '=' ~ (var(name, none) | string)) -%}
    {%- endfor -%}
    {{ return(local_md5(checksums | sort | join('|'))) }}
{%- endmacro %}

{#- The state recorded by the model's last successful run, or none when a full rebuild is needed
    (no state, older warehouse without raw._replaced_rows, changed code upstream, or no as_of yet
    because raw held no billing record). -#}
{% macro incremental_state() -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set cache = compile_cache() -%}
    {%- if 'state' not in cache -%}
        {%- do cache.update({'state': read_incremental_state()}) -%}
    {%- endif -%}
    {{ return(cache['state']) }}
{%- endmacro %}

{% macro read_incremental_state() -%}
    {%- if load_relation(incremental_state_relation()) is none
        or load_relation(raw_relation('_replaced_rows')) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select lineage_checksum, cast(as_of_ts as " ~ dbt.type_string() ~ "), cast(loaded_watermark as "
        ~ dbt.type_string() ~ "), cast(recorded_at as " ~ dbt.type_string() ~ ") from " ~ incremental_state_relation()
        ~ " where model_name = '" ~ this.identifier
        ~ "' order by recorded_at desc limit 1"
    ).rows -%}
    {%- if rows | length == 0 or rows[0][0] != lineage_checksum() or rows[0][1] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({
        'as_of_ts': rows[0][1], 'watermark': rows[0][2] or '1900-01-01 00:00:00', 'recorded_at': rows[0][3]
    }) }}
{%- endmacro %}

{#- On-run-start: the state and rebuilt-months tables, created once before any model runs (threads
    would race). -#}
{% macro create_incremental_state() -%}
    {%- if execute -%}
        {%- set _ = run_store() -%}
        {%- set state = incremental_state_relation() -%}
        {%- do run_query('create schema if not exists ' ~ state.without_identifier()) -%}
        {%- do run_query(
            'create table if not exists ' ~ rebuilt_months_relation()
            ~ ' (model_name ' ~ dbt.type_string() ~ ', month date, recorded_at ' ~ dbt.type_timestamp() ~ ')'
        ) -%}
        create table if not exists {{ state }} (
            model_name {{ dbt.type_string() }},
            lineage_checksum {{ dbt.type_string() }},
            as_of_ts {{ dbt.type_timestamp() }},
            loaded_watermark {{ dbt.type_timestamp() }},
            recorded_at {{ dbt.type_timestamp() }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: the state of this successful run. -#}
{% macro record_incremental_state() -%}
    insert into {{ incremental_state_relation() }}
    select
        '{{ this.identifier }}',
        '{{ lineage_checksum() }}',
        (select max(as_of_ts) from {{ ref('int_reporting_window') }}),
        (select max(loaded_at) from {{ raw_relation('_load_log') }}),
        {{ dbt.current_timestamp() }}
{%- endmacro %}

{% macro json_text(column, field) -%}
    {{ return(adapter.dispatch('json_text', 'saas_metrics')(column, field)) }}
{%- endmacro %}

{% macro default__json_text(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}

{% macro duckdb__json_text(column, field) -%}
    json_extract_string({{ column }}, '$.{{ field }}')
{%- endmacro %}

{#- Rows of a raw table delivered (new or changed) since the watermark, and the earlier versions
    they replaced: the given columns, cast to the given types. -#}
{% macro raw_changes(table, columns, watermark) -%}
    select {% for name, type in columns %}{{ name }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ source('raw', table) }}
    where _loaded_at > cast('{{ watermark }}' as timestamp)

    union all

    select
        {%- for name, type in columns %}
        cast({{ json_text('row_values', name) }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ raw_relation('_replaced_rows') }}
    where table_name = '{{ table }}'
        and loaded_at > cast('{{ watermark }}' as timestamp)
{%- endmacro %}

{#- The reporting window's move since the state: the old and the new as_of, and the band between them. -#}
{% macro as_of_band(state) -%}
    {%- set old_ts = "cast('" ~ state.as_of_ts ~ "' as timestamp)" -%}
    {%- set new_ts = '(select max(as_of_ts) from ' ~ ref('int_reporting_window') ~ ')' -%}
    {{ return({
        'old_ts': old_ts, 'new_ts': new_ts,
        'band_from': 'least(' ~ old_ts ~ ', ' ~ new_ts ~ ')', 'band_to': 'greatest(' ~ old_ts ~ ', ' ~ new_ts ~ ')',
    }) }}
{%- endmacro %}

{#- `expr` (a timestamp) lies between the old and the new as_of (as_of_band): a row that came into or
    left the reporting window as as_of moved. -#}
{% macro in_as_of_band(expr, band) -%}
    ({{ expr }} >= {{ band.band_from }} and {{ expr }} < {{ band.band_to }})
{%- endmacro %}

{#- The rows that can have changed since the state, in a domain with a row rule, as (row_key, changed_at):
    the row's key and a timestamp in its month, an earlier version's month included. -#}
{% macro changed_rows(domain, state) -%}
    {%- set band = as_of_band(state) -%}
    {%- if domain == 'sessions' -%}
        {%- set sessions = source('raw', 'web_sessions') -%}
        {%- set contacts = source('raw', 'crm_contacts') -%}
        with changed_sessions as (
            {{ raw_changes('web_sessions', [
                ('session_id', dbt.type_string()), ('anonymous_id', dbt.type_string()),
                ('contact_id', dbt.type_string()), ('started_at', dbt.type_timestamp())
            ], state.watermark) }}
        ),
        changed_contacts as (
            {{ raw_changes('crm_contacts', [
                ('contact_id', dbt.type_string()), ('anonymous_id', dbt.type_string())
            ], state.watermark) }}
            union all
            -- contacts that became (or stopped being) stitching candidates as as_of moved
            select contact_id, anonymous_id
            from {{ contacts }}
            where {{ in_as_of_band('created_at', band) }}
        ),
        changed_cookies as (
            -- only a session that carries a contact_id is a stitching candidate for its cookie
            select anonymous_id from changed_sessions where contact_id is not null
            union
            select anonymous_id from changed_contacts
            union
            -- the sessions of changed contacts, and the sessions with a contact that came into (or
            -- left) the reporting window as as_of moved: their cookie gained (or lost) a candidate
            select anonymous_id from {{ sessions }}
            where contact_id in (select contact_id from changed_contacts)
                or (contact_id is not null and {{ in_as_of_band('started_at', band) }})
        )
        select session_id as row_key, started_at as changed_at from changed_sessions
        union
        select session_id as row_key, started_at as changed_at from {{ sessions }}
        where anonymous_id in (select anonymous_id from changed_cookies)
            or contact_id in (select contact_id from changed_contacts)
            or {{ in_as_of_band('started_at', band) }}
    {%- elif domain == 'contacts' -%}
        {%- set contacts = source('raw', 'crm_contacts') -%}
        {%- set stage_history = source('raw', 'crm_lifecycle_stage_history') -%}
        with changed_entries as (
            {{ raw_changes('crm_contacts', [
                ('contact_id', dbt.type_string()), ('created_at', dbt.type_timestamp())
            ], state.watermark) }}
            union all
            {{ raw_changes('crm_lifecycle_stage_history', [
                ('contact_id', dbt.type_string()), ('entered_at', dbt.type_timestamp())
            ], state.watermark) }}
            union all
            -- entries that came into (or left) the reporting window as as_of moved
            select contact_id, created_at
            from {{ contacts }}
            where {{ in_as_of_band('created_at', band) }}
            union all
            select contact_id, entered_at
            from {{ stage_history }}
            where {{ in_as_of_band('entered_at', band) }}
        ),
        changed_contacts as (
            select distinct contact_id from changed_entries
        )
        -- every entry of a changed contact, earlier versions included: the months of its rows as
        -- stored and as rebuilt
        select contact_id as row_key, created_at as changed_at from changed_entries
        union
        select contact_id as row_key, created_at as changed_at from {{ contacts }}
        where contact_id in (select contact_id from changed_contacts)
        union
        select contact_id as row_key, entered_at as changed_at from {{ stage_history }}
        where contact_id in (select contact_id from changed_contacts)
    {%- else -%}
        {{ exceptions.raise_compiler_error('changed_rows: domain ' ~ domain ~ ' has no row rule') }}
    {%- endif -%}
{%- endmacro %}

{% macro changed_months(domain, state, month_column) -%}
    {%- set band = as_of_band(state) -%}
    {%- set old_ts, new_ts, band_from, band_to = band.old_ts, band.new_ts, band.band_from, band.band_to -%}
    {%- if domain in ('sessions', 'contacts') -%}
        select {{ month_of('changed_at') }} as month from ({{ changed_rows(domain, state) }}) as changed
    {%- elif domain == 'usage' -%}
        {%- set usage = source('raw', 'product_usage_daily') -%}
        with changed_usage as (
            {{ raw_changes('product_usage_daily', [
                ('customer_id', dbt.type_string()), ('usage_date', 'date')
            ], state.watermark) }}
        ),
        changed_customers as (
            {{ raw_changes('billing_customers', [('customer_id', dbt.type_string())], state.watermark) }}
        )
        select {{ month_of('usage_date') }} as month from changed_usage
        union
        select {{ month_of('usage_date') }} as month from {{ usage }}
        where customer_id in (select customer_id from changed_customers)
            or (usage_date >= cast({{ band_from }} as date) and usage_date < cast({{ band_to }} as date))
    {%- elif domain == 'lineage' -%}
        {{ lineage_changed_months(state, month_column, band_from, old_ts, new_ts) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('changed_months: unknown domain ' ~ domain) }}
    {%- endif -%}
{%- endmacro %}

{#- A data test on an incremental model reads the rows of the months rebuilt since the last complete
    build that passed (every row after a full build): the test's `where` is
    `__rebuilt_months__(<month column>)`,
    which this override of dbt's get_where_subquery expands (custom macros cannot be called in a
    test's configuration, which is rendered when the project is parsed). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set marker = '__rebuilt_months__(' -%}
        {%- if where.startswith(marker) and where.endswith(')') -%}
            {%- set where = in_rebuilt_months(relation.identifier, where[marker | length:-1]) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The months the model's runs rebuilt since the last complete build that passed (the latest
    `intermediate._tested_loads` record, macros/tested_loads.sql), as 'YYYY-MM-DD' strings in
    order, or none for every month. Read when a test is compiled, after the model ran. A month
    rebuilt by a run whose tests failed is therefore read again by every later run until a complete
    build passes, not only by the run that wrote it. Without such a month (nothing rebuilt since
    that build), the months of the model's latest run. Every month when there is no record at all
    (a warehouse built before months were recorded), or when one of those runs rebuilt every month
    (a null month). Read once per model while a test is compiled (a singular test asks for each
    of its filters). -#}
{% macro months_to_test(model_name) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set cache = compile_cache() -%}
    {%- set key = 'months_to_test.' ~ model_name -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: read_months_to_test(model_name)}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{%- endmacro %}

{% macro read_months_to_test(model_name) -%}
    {%- if load_relation(rebuilt_months_relation()) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set passed_at -%}
        {%- if load_relation(tested_loads_relation()) is none -%}
            cast('1900-01-01' as {{ dbt.type_timestamp() }})
        {%- else -%}
            (select coalesce(max(recorded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ tested_loads_relation() }})
        {%- endif -%}
    {%- endset -%}
    {%- set rebuilt = run_query(
        'select cast(month as ' ~ dbt.type_string() ~ ') from ' ~ rebuilt_months_relation()
        ~ " where model_name = '" ~ model_name ~ "' and recorded_at > " ~ passed_at
    ).columns[0].values() -%}
    {%- if rebuilt | length == 0 -%}
        {%- set rebuilt = run_query(
            'select cast(month as ' ~ dbt.type_string() ~ ') from (' ~ rebuilt_months_sql(model_name) ~ ') as rebuilt'
        ).columns[0].values() -%}
    {%- endif -%}
    {%- if rebuilt | length == 0 or none in rebuilt -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set months = [] -%}
    {%- for month in rebuilt -%}
        {%- do months.append(month[:10]) -%}
    {%- endfor -%}
    {{ return(months | unique | sort) }}
{%- endmacro %}

{#- The filter of a test's `__rebuilt_months__(<month column>)`: the month column is one of the
    months to test (months_to_test), written in as date constants so that the warehouse prunes the
    scan of a stored month column; true for every month. -#}
{% macro in_rebuilt_months(model_name, month_column) -%}
    {%- set months = months_to_test(model_name) -%}
    {%- if months is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for month in months -%}
        {%- do literals.append("cast('" ~ month ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(month_column ~ ' in (' ~ (literals | join(', ')) ~ ')') }}
{%- endmacro %}

{#- For a singular test over `lineage` models (whose rebuilt months run from the first one to the
    last): the month expression is at or after the first month any of them has to test
    (months_to_test), less `months_before` months for rows the test looks back at; true for every
    month. -#}
{% macro since_first_month_to_test(model_names, month_expr, months_before=0) -%}
    {%- set firsts = [] -%}
    {%- for model_name in model_names -%}
        {%- set months = months_to_test(model_name) -%}
        {%- if months is none -%}
            {{ return('true') }}
        {%- endif -%}
        {%- do firsts.append(months[0]) -%}
    {%- endfor -%}
    {{ return(month_expr ~ ' >= ' ~ add_months("cast('" ~ (firsts | min) ~ "' as date)", -months_before)) }}
{%- endmacro %}

{#- Domain `lineage`, for a monthly model whose month M depends only on rows dated before the end
    of M (and on as_of, for the months between the old and the new as_of): it rebuilds every month
    from the earliest one that anything upstream changed since the model's last run. The model's
    lineage is walked upward (lineage_inputs): an incremental model upstream contributes the months
    its runs since then rebuilt (every month after a full build of it); the reporting window, the
    months between the old and the new as_of; a raw table, the earliest date of each row delivered
    or replaced since the watermark, and of the rows linked to it (raw_change_dates). Seeds and code
    are covered by the lineage checksum. -#}
{% macro lineage_changed_months(state, month_column, band_from, old_ts, new_ts) -%}
    {%- set inputs = lineage_inputs() -%}
    with changed_from as (
        select case when {{ old_ts }} <> {{ new_ts }} then {{ band_from }} end as from_at
        {%- for upstream in inputs.incremental %}
        union all
        select coalesce(cast(month as timestamp), cast('1900-01-01' as timestamp)) as from_at
        from {{ rebuilt_months_relation() }}
        where model_name = '{{ upstream }}' and recorded_at > cast('{{ state.recorded_at }}' as timestamp)
        {%- endfor %}
        {%- for table in inputs.raw %}
        union all
        {{ raw_change_dates(table, state.watermark) }}
        {%- endfor %}
    ),
    bounds as (
        select
            {{ month_of('min(changed_from.from_at)') }} as from_month,
            (select max(as_of_month) from {{ ref('int_reporting_window') }}) as as_of_month,
            (select max({{ month_column }}) from {{ this }}) as last_stored_month
        from changed_from
    ),
    months as (
        {{ month_spine(
            '(select from_month from bounds)',
            '(select greatest(as_of_month, coalesce(last_stored_month, as_of_month)) from bounds)'
        ) }}
    )
    select month from months
    where (select from_month from bounds) is not null
{%- endmacro %}

{#- What the `lineage` domain reads of the model's lineage: the incremental models and raw tables
    it reaches without passing through an incremental model or the reporting window. A model can
    name incremental models to walk through instead (config `lineage_through`), when it reads only
    columns of theirs that come from the row itself: the funnel's visitors read a session's cookie,
    time and channel, never the contact that stitching gives it, so the sessions delivered or
    replaced decide, not every month of a cookie whose owner changed. -#}
{% macro lineage_inputs() -%}
    {%- set found = {'incremental': [], 'raw': []} -%}
    {%- set through = model.config.get('lineage_through') or [] -%}
    {%- set queue = model.depends_on.nodes | list -%}
    {%- set seen = [] -%}
    {%- for node_id in queue if node_id not in seen -%}
        {%- do seen.append(node_id) -%}
        {%- if node_id.startswith('source.') -%}
            {%- set table = graph.sources[node_id].identifier -%}
            {%- if table not in found.raw -%}{%- do found.raw.append(table) -%}{%- endif -%}
        {%- elif node_id.startswith('model.') -%}
            {%- set node = graph.nodes[node_id] -%}
            {%- if node.name == 'int_reporting_window' -%}
                {#- as_of: the band between the old and the new as_of -#}
            {%- elif node.config.materialized == 'incremental' and node.name not in through -%}
                {%- do found.incremental.append(node.alias or node.name) -%}
            {%- else -%}
                {%- for parent in node.depends_on.nodes -%}{%- do queue.append(parent) -%}{%- endfor -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The earliest instant each raw row delivered or replaced since the watermark can change a
    `lineage` model at: the least of the row's own dates and of the dates of the rows linked to it
    (a subscription's items, an invoice's lines and refunds and their invoice, a contact's tickets and NPS
    responses, a customer's whole billing and usage history and its old and new company's tickets
    and NPS responses). The sessions' rule (started_at) covers a session's own columns only: a model
    reaches raw sessions only through fct_touchpoints, and only when it names it in
    lineage_through. An FX rate changes the months from its own on (every month when it is its
    currency's earliest). A table without a rule here changes every month (1900-01-01) when it has
    any such row. -#}
{% macro raw_change_dates(table, watermark) -%}
    {%- set ts = dbt.type_timestamp() -%}
    {%- set text = dbt.type_string() -%}
    {%- set dates = {
        'product_usage_daily': ['usage_date'],
        'web_sessions': ['started_at'],
        'crm_tickets': ['created_at', 'closed_at'],
        'crm_nps_responses': ['responded_at'],
        'crm_email_events': ['occurred_at'],
        'billing_subscription_item_history': ['valid_from', 'valid_to'],
        'billing_subscriptions': ['created_at', 'trial_start', 'trial_end', 'canceled_at', 'ended_at'],
        'billing_invoices': ['created_at', 'period_start', 'period_end', 'paid_at'],
        'billing_invoice_lines': ['period_start', 'period_end'],
        'billing_refunds': ['created_at'],
        'crm_contacts': ['created_at'],
        'billing_customers': ['created_at'],
        'marketing_ad_spend': ['spend_date'],
        'operating_expenses': ['expense_month'],
    } -%}
    {%- set keys = {
        'billing_subscriptions': 'subscription_id', 'billing_invoices': 'invoice_id',
        'billing_invoice_lines': 'invoice_id', 'billing_refunds': 'invoice_id', 'crm_contacts': 'contact_id',
        'billing_customers': 'customer_id',
    } -%}
    {%- if table == 'fx_rates' -%}
        {#- a month's rate is the latest on or before its last day, or the currency's earliest rate
            when it has none yet: a rate changes the months from its own on, and every month when it
            is (or was) the currency's earliest -#}
        select min(
            case
                when earliest.first_rate_date < changes.rate_date then cast(changes.rate_date as {{ ts }})
                else cast('1900-01-01' as {{ ts }})
            end
        ) as from_at
        from ({{ raw_changes(table, [('currency', text), ('rate_date', 'date')], watermark) }}) as changes
        left join (
            select currency, min(rate_date) as first_rate_date from {{ source('raw', table) }} group by currency
        ) as earliest
            on changes.currency = earliest.currency
    {%- elif table not in dates -%}
        select case when count(*) > 0 then cast('1900-01-01' as {{ ts }}) end as from_at
        from (
            select _loaded_at from {{ source('raw', table) }} where _loaded_at > cast('{{ watermark }}' as timestamp)
            union all
            select loaded_at from {{ raw_relation('_replaced_rows') }}
            where table_name = '{{ table }}' and loaded_at > cast('{{ watermark }}' as timestamp)
        ) as changes
    {%- else -%}
        {%- set columns = [] -%}
        {%- set key = keys.get(table) -%}
        {%- if key -%}{%- do columns.append((key, text)) -%}{%- endif -%}
        {%- if table == 'billing_customers' -%}{%- do columns.append(('company_id', text)) -%}{%- endif -%}
        {%- for column in dates[table] -%}{%- do columns.append((column, ts)) -%}{%- endfor -%}
        {%- set changes = '(' ~ raw_changes(table, columns, watermark) ~ ') as changes' -%}
        {%- set changed = '(select ' ~ key ~ ' from ' ~ changes ~ ')' -%}
        select min(from_at) as from_at from (
            select {{ least_of(dates[table]) }} as from_at from {{ changes }}
            {%- if table == 'billing_subscriptions' %}
            {{ linked_dates('billing_subscription_item_history', ['valid_from'], 'subscription_id', changed) }}
            {%- elif table in ('billing_invoices', 'billing_invoice_lines', 'billing_refunds') %}
            {{ linked_dates('billing_invoice_lines', ['period_start'], 'invoice_id', changed) }}
            {{ linked_dates('billing_invoices', ['created_at', 'period_start'], 'invoice_id', changed) }}
            {{ linked_dates('billing_refunds', ['created_at'], 'invoice_id', changed) }}
            {%- elif table == 'crm_contacts' %}
            {{ linked_dates('crm_tickets', ['created_at'], 'contact_id', changed) }}
            {{ linked_dates('crm_nps_responses', ['responded_at'], 'contact_id', changed) }}
            {%- elif table == 'billing_customers' %}
            {%- set companies = '(select company_id from ' ~ changes ~ ')' %}
            {%- set subscriptions = '(select subscription_id from ' ~ source('raw', 'billing_subscriptions')
                ~ ' where customer_id in ' ~ changed ~ ')' %}
            {%- set invoices = '(select invoice_id from ' ~ source('raw', 'billing_invoices')
                ~ ' where customer_id in ' ~ changed ~ ')' %}
            {{ linked_dates('billing_subscriptions', ['created_at', 'trial_start'], 'customer_id', changed) }}
            {{ linked_dates('billing_subscription_item_history', ['valid_from'], 'subscription_id', subscriptions) }}
            {{ linked_dates('billing_invoices', ['created_at', 'period_start'], 'customer_id', changed) }}
            {{ linked_dates('billing_invoice_lines', ['period_start'], 'invoice_id', invoices) }}
            {{ linked_dates('billing_refunds', ['created_at'], 'invoice_id', invoices) }}
            {{ linked_dates('product_usage_daily', ['usage_date'], 'customer_id', changed) }}
            {{ linked_dates('crm_tickets', ['created_at'], 'company_id', companies) }}
            {{ linked_dates('crm_nps_responses', ['responded_at'], 'company_id', companies) }}
            {%- endif %}
        ) as change_dates
    {%- endif -%}
{%- endmacro %}

{#- A union member: the earliest of the given dates of each row of a raw table linked to changed rows. -#}
{% macro linked_dates(table, dates, column, ids) -%}
    union all
    select {{ least_of(dates) }} from {{ source('raw', table) }} where {{ column }} in {{ ids }}
{%- endmacro %}

{#- The earliest of several timestamp columns, nulls ignored. -#}
{% macro least_of(columns) -%}
    {%- if columns | length == 1 -%}
        cast({{ columns[0] }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        least({% for column in columns %}cast({{ column }} as {{ dbt.type_timestamp() }}){{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}
