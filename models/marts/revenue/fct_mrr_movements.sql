-- One row per customer per instant at which their MRR changes (all subscriptions netted), typed
-- new / expansion / contraction / churn / reactivation at the month's FX rate, plus an fx row at
-- the first instant of each month in which a non-USD customer's rate moved.
-- Incremental: a movement of month M depends only on changes up to it and on the MRR at the end of
-- M and M-1, so a run rebuilds the months from the earliest one anything upstream changed
-- (macros/incremental.sql, domain lineage), reading the month before for the fx rows.
{{ config(**incremental_config('movement_month', 'lineage')) }}

with

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}
    where {{ incremental_months_filter('change_month', 'lineage') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}
    where {{ incremental_months_since('month', 'lineage', 1) }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

typed_changes as (

    select
        changes.customer_id,
        changes.currency,
        changes.changed_at as occurred_at,
        changes.change_month as movement_month,
        case
            when changes.mrr_before_local = 0 and changes.change_number = 1 then 'new'
            when changes.mrr_before_local = 0 then 'reactivation'
            when changes.mrr_after_local = 0 then 'churn'
            when changes.mrr_after_local > changes.mrr_before_local then 'expansion'
            else 'contraction'
        end as movement_type,
        changes.mrr_before_local,
        changes.mrr_after_local,
        {{ required_fx_rate('fx_rates.usd_per_unit', 'changes.currency') }} as usd_per_unit

    from changes
    left join fx_rates
        on changes.currency = fx_rates.currency
            and changes.change_month = fx_rates.month

),

change_movements as (

    select
        customer_id,
        currency,
        occurred_at,
        movement_month,
        movement_type,
        {{ to_usd('mrr_before_local', 'usd_per_unit') }} as mrr_before,
        {{ to_usd('mrr_after_local', 'usd_per_unit') }} as mrr_after,
        mrr_after_local - mrr_before_local as mrr_change_local

    from typed_changes

),

month_pairs as (

    select
        customer_id,
        currency,
        month,
        lag(mrr_local) over (partition by customer_id, currency order by month) as previous_mrr_local,
        lag(usd_per_unit) over (partition by customer_id, currency order by month) as previous_usd_per_unit,
        usd_per_unit

    from customer_months

),

fx_movements as (

    select
        customer_id,
        currency,
        cast(month as timestamp) as occurred_at,
        month as movement_month,
        'fx' as movement_type,
        {{ to_usd('previous_mrr_local', 'previous_usd_per_unit') }} as mrr_before,
        {{ to_usd('previous_mrr_local', 'usd_per_unit') }} as mrr_after,
        cast(0 as decimal(38, 6)) as mrr_change_local

    from month_pairs
    where currency <> 'USD'
        and previous_mrr_local > 0
        and {{ incremental_months_filter('month', 'lineage') }}

),

movements as (

    select * from change_movements
    union all
    select * from fx_movements
    where mrr_after <> mrr_before

)

select
    cast(md5(customer_id || '|' || currency || '|' || {{ timestamp_key('occurred_at') }} || '|' || movement_type) as string)
        as movement_id,
    cast(customer_id as string) as customer_id,
    cast(occurred_at as timestamp) as occurred_at,
    cast(movement_month as date) as movement_month,
    cast(movement_type as string) as movement_type,
    cast(currency as string) as currency,
    cast(mrr_before as decimal(38, 6)) as mrr_before,
    cast(mrr_after as decimal(38, 6)) as mrr_after,
    cast(mrr_after - mrr_before as decimal(38, 6)) as mrr_change,
    cast(mrr_change_local as decimal(38, 6)) as mrr_change_local

from movements
