-- A table: the month spine is read by most monthly models; as a view each would derive it again
-- from the billing tables.
{{ config(materialized='table') }}

-- Every calendar month from the earliest dated record any metric reads to the as_of month.
with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

item_periods as (

    select * from {{ ref('stg_billing__subscription_item_periods') }}

),

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

expenses as (

    select * from {{ ref('stg_finance__operating_expenses') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

refunds as (

    select * from {{ ref('stg_billing__refunds') }}

),

earliest_dates as (

    select cast(min(valid_from) as date) as earliest_date from item_periods
    union all
    select min(spend_date) as earliest_date from ad_spend
    union all
    select min(expense_month) as earliest_date from expenses
    union all
    select cast(min(created_at) as date) as earliest_date from invoices
    union all
    -- a payment or a refund dated before everything else still needs its month (and its FX rate)
    select cast(min(paid_at) as date) as earliest_date from invoices
    union all
    select cast(min(created_at) as date) as earliest_date from refunds

),

bounds as (

    select
        {{ month_of('least(min(earliest_dates.earliest_date), min(reporting_window.as_of_date))') }} as first_month,
        min(reporting_window.as_of_month) as last_month

    from earliest_dates
    cross join reporting_window

),

months as (

    {{ month_spine('(select first_month from bounds)', '(select last_month from bounds)') }}

)

select
    months.month,
    cast({{ add_months('months.month', 1) }} - interval 1 day as date) as month_last_date,
    {{ month_end_instant('months.month', 'reporting_window.as_of_ts') }} as month_end_at

from months
cross join reporting_window
where months.month <= reporting_window.as_of_month
