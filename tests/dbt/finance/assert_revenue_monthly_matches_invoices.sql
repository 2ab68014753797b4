-- Every month of fct_revenue_monthly agrees with the staged invoices and refunds themselves,
-- recomputed here without int_revenue_transactions (metrics.md "Beyond MRR", revenue): billed is
-- the totals of invoices neither draft nor void by created_at, collected the amount_paid of paid
-- invoices by paid_at (created_at when it is missing), refunded the refunds of known invoices by
-- their created_at, in USD at the month's rate; test customers' invoices and anything at or after
-- as_of_ts are left out; net_collected = collected - refunded. A month with money that the mart
-- lacks fails too. Failing rows are months, with both sides.
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

revenue as (

    select * from {{ ref('fct_revenue_monthly') }}

),

live_invoices as (

    select invoices.*

    from invoices
    where not exists (
            select 1
            from customers
            where customers.customer_id = invoices.customer_id
                and customers.is_test
        )

),

money as (

    select
        'billed' as kind,
        currency,
        created_at as occurred_at,
        total as amount_local

    from live_invoices
    where invoice_status not in ('draft', 'void')

    union all

    select
        'collected' as kind,
        currency,
        coalesce(paid_at, created_at) as occurred_at,
        amount_paid as amount_local

    from live_invoices
    where invoice_status = 'paid'

    union all

    select
        'refunded' as kind,
        live_invoices.currency,
        refunds.created_at as occurred_at,
        {{ minor_to_major('refunds.amount_minor', 'currencies.exponent') }} as amount_local

    from refunds
    inner join live_invoices
        on refunds.invoice_id = live_invoices.invoice_id
    left join currencies
        on live_invoices.currency = currencies.currency

),

expected as (

    select
        {{ month_of('money.occurred_at') }} as month,
        sum(case when money.kind = 'billed' then {{ to_usd('money.amount_local', 'fx_rates.usd_per_unit') }} end)
            as billed,
        sum(case when money.kind = 'collected' then {{ to_usd('money.amount_local', 'fx_rates.usd_per_unit') }} end)
            as collected,
        sum(case when money.kind = 'refunded' then {{ to_usd('money.amount_local', 'fx_rates.usd_per_unit') }} end)
            as refunded,
        count(case when money.kind = 'billed' then 1 end) as invoices_billed,
        count(case when money.kind = 'collected' then 1 end) as invoices_paid,
        count(case when money.kind = 'refunded' then 1 end) as refunds

    from money
    left join fx_rates
        on money.currency = fx_rates.currency
            and {{ month_of('money.occurred_at') }} = fx_rates.month
    where money.occurred_at < {{ reporting_window_bound('as_of_ts') }}
    group by {{ month_of('money.occurred_at') }}

),

compared as (

    select
        coalesce(revenue.month, expected.month) as month,
        revenue.billed,
        coalesce(expected.billed, 0) as expected_billed,
        revenue.collected,
        coalesce(expected.collected, 0) as expected_collected,
        revenue.refunded,
        coalesce(expected.refunded, 0) as expected_refunded,
        revenue.net_collected,
        revenue.invoices_billed,
        coalesce(expected.invoices_billed, 0) as expected_invoices_billed,
        revenue.invoices_paid,
        coalesce(expected.invoices_paid, 0) as expected_invoices_paid,
        revenue.refunds,
        coalesce(expected.refunds, 0) as expected_refunds

    from revenue
    full outer join expected
        on revenue.month = expected.month

)

select * from compared
where billed is null
    or abs(billed - expected_billed) > 0.00001
    or abs(collected - expected_collected) > 0.00001
    or abs(refunded - expected_refunded) > 0.00001
    or abs(net_collected - (collected - refunded)) > 0.00001
    or invoices_billed <> expected_invoices_billed
    or invoices_paid <> expected_invoices_paid
    or refunds <> expected_refunds
