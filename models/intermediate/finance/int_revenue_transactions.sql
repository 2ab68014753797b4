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

-- the invoices read once per kind of movement, each filtered to its own dates before anything is
-- joined: read through one shared CTE, DuckDB would store every invoice before any filter applied,
-- and an incremental run would pay for the whole history
billed_invoices as (

    select * from {{ ref('stg_billing__invoices') }}
    where invoice_status not in ('void', 'draft')
        and created_at < {{ reporting_window_bound('as_of_ts') }}
        and {{ incremental_months_since('created_at', 'lineage') }}

),

paid_invoices as (

    select * from {{ ref('stg_billing__invoices') }}
    where invoice_status = 'paid'
        and coalesce(paid_at, created_at) < {{ reporting_window_bound('as_of_ts') }}
        and {{ incremental_months_since('coalesce(paid_at, created_at)', 'lineage') }}

),

refunds as (

    select * from {{ ref('stg_billing__refunds') }}
    where created_at < {{ reporting_window_bound('as_of_ts') }}
        and {{ incremental_months_since('created_at', 'lineage') }}

),

-- a refund's invoice may be of any month
refunded_invoices as (

    select * from {{ ref('stg_billing__invoices') }}

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

-- a customer missing from billing_customers is not a test customer: its invoices count
test_customers as (

    select customer_id from customers
    where is_test

),

billed as (

    select
        billed_invoices.invoice_id || '|billed' as revenue_transaction_id,
        billed_invoices.invoice_id,
        billed_invoices.customer_id,
        'billed' as transaction_type,
        billed_invoices.created_at as occurred_at,
        billed_invoices.currency,
        billed_invoices.total as amount_local

    from billed_invoices
    left join test_customers
        on billed_invoices.customer_id = test_customers.customer_id
    where test_customers.customer_id is null

),

-- A paid invoice without paid_at is dated by its created_at, so its payment is not lost.
collected as (

    select
        paid_invoices.invoice_id || '|collected' as revenue_transaction_id,
        paid_invoices.invoice_id,
        paid_invoices.customer_id,
        'collected' as transaction_type,
        coalesce(paid_invoices.paid_at, paid_invoices.created_at) as occurred_at,
        paid_invoices.currency,
        paid_invoices.amount_paid as amount_local

    from paid_invoices
    left join test_customers
        on paid_invoices.customer_id = test_customers.customer_id
    where test_customers.customer_id is null

),

refunded as (

    select
        refunds.refund_id || '|refunded' as revenue_transaction_id,
        refunds.invoice_id,
        refunded_invoices.customer_id,
        'refunded' as transaction_type,
        refunds.created_at as occurred_at,
        refunded_invoices.currency,
        {{ minor_to_major('refunds.amount_minor', 'currencies.exponent') }} as amount_local

    from refunds
    inner join refunded_invoices
        on refunds.invoice_id = refunded_invoices.invoice_id
    left join test_customers
        on refunded_invoices.customer_id = test_customers.customer_id
    left join currencies
        on refunded_invoices.currency = currencies.currency
    where test_customers.customer_id is null

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
