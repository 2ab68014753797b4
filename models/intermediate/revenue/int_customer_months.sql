-- One row per customer per month from their first paid month to the as_of month: the local MRR
-- at the end of the month (the value after the month's last change, carried forward through
-- months without one) and its USD value at the month's FX rate.
-- Incremental: month M depends only on the changes up to its end, so a run rebuilds the months
-- from the earliest one anything upstream changed (macros/incremental.sql, domain lineage); the
-- value carried into the first of them is the last one before it.
{{ config(**incremental_config('month', 'lineage')) }}

with

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

months as (

    select * from {{ ref('int_months') }}
    where {{ incremental_months_filter('month', 'lineage') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

month_closing_values as (

    select
        customer_id,
        currency,
        change_month as month,
        max_by(mrr_after_local, changed_at) as closing_mrr_local

    from changes
    where {{ incremental_months_filter('change_month', 'lineage') }}
    group by customer_id, currency, change_month

),

-- the closing value of the last month with a change before the first month rebuilt (none on a
-- full build)
carried_in as (

    select
        customer_id,
        currency,
        max_by(mrr_after_local, changed_at) as closing_mrr_local

    from changes
    where not ({{ incremental_months_filter('change_month', 'lineage') }})
    group by customer_id, currency

),

customer_spans as (

    select
        customer_id,
        currency,
        min(change_month) as first_paid_month

    from changes
    group by customer_id, currency

),

customer_month_grid as (

    select
        customer_spans.customer_id,
        customer_spans.currency,
        months.month

    from customer_spans
    inner join months
        on customer_spans.first_paid_month <= months.month

),

carried_forward as (

    select
        customer_month_grid.customer_id,
        customer_month_grid.currency,
        customer_month_grid.month,
        coalesce(
            {{ last_value_ignore_nulls('month_closing_values.closing_mrr_local') }} over (
                partition by customer_month_grid.customer_id, customer_month_grid.currency
                order by customer_month_grid.month
                rows between unbounded preceding and current row
            ),
            carried_in.closing_mrr_local
        ) as mrr_local

    from customer_month_grid
    left join month_closing_values
        on customer_month_grid.customer_id = month_closing_values.customer_id
            and customer_month_grid.currency = month_closing_values.currency
            and customer_month_grid.month = month_closing_values.month
    left join carried_in
        on customer_month_grid.customer_id = carried_in.customer_id
            and customer_month_grid.currency = carried_in.currency

),

converted as (

    select
        carried_forward.customer_id,
        carried_forward.month,
        carried_forward.currency,
        carried_forward.mrr_local,
        {{ required_fx_rate('fx_rates.usd_per_unit', 'carried_forward.currency') }} as usd_per_unit

    from carried_forward
    left join fx_rates
        on carried_forward.currency = fx_rates.currency
            and carried_forward.month = fx_rates.month

)

select
    customer_id || '|' || currency || '|' || cast(month as string) as customer_month_id,
    customer_id,
    month,
    currency,
    mrr_local,
    usd_per_unit,
    {{ to_usd('mrr_local', 'usd_per_unit') }} as mrr,
    mrr_local > 0 as is_active

from converted
