-- Billed, collected and refunded money per month in USD at each month's FX rate, from the first
-- month with any of them to the as_of month: billed = totals of invoices that are neither draft
-- nor void, by created_at; collected = amount_paid of paid invoices, by paid_at; refunded =
-- refunds, by their created_at; net_collected = collected - refunded. Test customers excluded.
with

transactions as (

    select * from {{ ref('int_revenue_transactions') }}

),

months as (

    select * from {{ ref('int_months') }}

),

first_activity as (

    select min(month) as first_month from transactions

),

monthly_totals as (

    select
        month,
        sum(case when transaction_type = 'billed' then amount else 0 end) as billed,
        sum(case when transaction_type = 'collected' then amount else 0 end) as collected,
        sum(case when transaction_type = 'refunded' then amount else 0 end) as refunded,
        count(case when transaction_type = 'billed' then 1 end) as invoices_billed,
        count(case when transaction_type = 'collected' then 1 end) as invoices_paid,
        count(case when transaction_type = 'refunded' then 1 end) as refunds

    from transactions
    group by month

),

filled as (

    select
        months.month,
        coalesce(monthly_totals.billed, 0) as billed,
        coalesce(monthly_totals.collected, 0) as collected,
        coalesce(monthly_totals.refunded, 0) as refunded,
        coalesce(monthly_totals.invoices_billed, 0) as invoices_billed,
        coalesce(monthly_totals.invoices_paid, 0) as invoices_paid,
        coalesce(monthly_totals.refunds, 0) as refunds

    from months
    cross join first_activity
    left join monthly_totals
        on months.month = monthly_totals.month
    where months.month >= first_activity.first_month

)

select
    cast(month as date) as month,
    cast(billed as decimal(38, 6)) as billed,
    cast(collected as decimal(38, 6)) as collected,
    cast(refunded as decimal(38, 6)) as refunded,
    cast(collected - refunded as decimal(38, 6)) as net_collected,
    cast(invoices_billed as bigint) as invoices_billed,
    cast(invoices_paid as bigint) as invoices_paid,
    cast(refunds as bigint) as refunds

from filled
