-- A table, not a view: four marts and its key tests read it, each would otherwise recompute it.
-- Incremental: a movement of month M depends only on its invoice or refund row (and the month's
-- FX rate), so a run rebuilds the months from the earliest one its inputs changed
-- (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}

-- One row per money movement on an invoice that the revenue metrics read: billed (the total of
-- a finalised invoice, at created_at), collected (amount_paid of a paid invoice, at paid_at) and
-- refunded (a refund, at its created_at), in the invoice's currency and in USD at the FX rate of
-- the month the movement falls in. Test customers' invoices and anything at or after as_of_ts
-- are left out; a refund whose invoice is unknown has no currency and is left out too.
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

refunds as (

    select * from {{ ref('stg_billing__refunds') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

currencies as (

    select * from {{ ref('currency_exponents') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

live_invoices as (

    select invoices.*

    from invoices
    left join customers
        on invoices.customer_id = customers.customer_id
    where not coalesce(customers.is_test, false)

),

billed as (

    select
        invoice_id || '|billed' as revenue_transaction_id,
        invoice_id,
        customer_id,
        'billed' as transaction_type,
        created_at as occurred_at,
        currency,
        total as amount_local

    from live_invoices
    where invoice_status not in ('void', 'draft')

),

-- A paid invoice without paid_at is dated by its created_at, so its payment is not lost.
collected as (

    select
        invoice_id || '|collected' as revenue_transaction_id,
        invoice_id,
        customer_id,
        'collected' as transaction_type,
        coalesce(paid_at, created_at) as occurred_at,
        currency,
        amount_paid as amount_local

    from live_invoices
    where invoice_status = 'paid'

),

refunded as (

    select
        refunds.refund_id || '|refunded' as revenue_transaction_id,
        refunds.invoice_id,
        live_invoices.customer_id,
        'refunded' as transaction_type,
        refunds.created_at as occurred_at,
        live_invoices.currency,
        {{ minor_to_major('refunds.amount_minor', 'currencies.exponent') }} as amount_local

    from refunds
    inner join live_invoices
        on refunds.invoice_id = live_invoices.invoice_id
    left join currencies
        on live_invoices.currency = currencies.currency

),

transactions as (

    select * from billed
    union all
    select * from collected
    union all
    select * from refunded

),

in_window as (

    select
        transactions.*,
        {{ month_of('transactions.occurred_at') }} as month

    from transactions
    where transactions.occurred_at < {{ reporting_window_bound('as_of_ts') }}
        and {{ incremental_months_since('transactions.occurred_at', 'lineage') }}

),

converted as (

    select
        in_window.revenue_transaction_id,
        in_window.invoice_id,
        in_window.customer_id,
        in_window.transaction_type,
        in_window.occurred_at,
        in_window.month,
        in_window.currency,
        in_window.amount_local,
        {{ required_fx_rate('fx_rates.usd_per_unit', 'in_window.currency') }} as usd_per_unit

    from in_window
    left join fx_rates
        on in_window.currency = fx_rates.currency
            and in_window.month = fx_rates.month

)

select
    revenue_transaction_id,
    invoice_id,
    customer_id,
    transaction_type,
    occurred_at,
    month,
    currency,
    amount_local,
    usd_per_unit,
    {{ to_usd('amount_local', 'usd_per_unit') }} as amount

from converted
