-- A table: read by every model that converts money, which as a view would each rebuild it.
{{ config(materialized='table') }}

-- FX rate of month M for each currency: the latest rate on or before the last day of M (or
-- as_of, if earlier); if none, the currency's earliest rate. USD is always 1.
with

months as (

    select * from {{ ref('int_months') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

fx_rates as (

    select * from {{ ref('stg_billing__fx_rates') }}
    where currency <> 'USD'

),

earliest_rates as (

    select
        currency,
        min_by(usd_per_unit, rate_date) as earliest_rate

    from fx_rates
    group by currency

),

latest_rates_by_month as (

    select
        months.month,
        fx_rates.currency,
        max_by(fx_rates.usd_per_unit, fx_rates.rate_date) as latest_rate

    from months
    cross join reporting_window
    inner join fx_rates
        on fx_rates.rate_date <= least(months.month_last_date, reporting_window.as_of_date)
    group by months.month, fx_rates.currency

),

rates as (

    select
        months.month,
        earliest_rates.currency,
        coalesce(latest_rates_by_month.latest_rate, earliest_rates.earliest_rate) as usd_per_unit

    from months
    cross join earliest_rates
    left join latest_rates_by_month
        on months.month = latest_rates_by_month.month
            and earliest_rates.currency = latest_rates_by_month.currency

    union all

    select
        month,
        'USD' as currency,
        1.0 as usd_per_unit

    from months

)

select
    currency || '@' || cast(month as string) as fx_rate_month_id,
    month,
    currency,
    usd_per_unit

from rates
