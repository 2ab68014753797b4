-- The backtest counts every scored customer-month once: per month, its customers over all bands
-- equal the rows of fct_customer_health_monthly, and no band churns more customers than it has.
with

backtest as (

    select * from {{ ref('fct_health_backtest') }}

),

health as (

    select * from {{ ref('fct_customer_health_monthly') }}

),

backtest_totals as (

    select
        month,
        sum(customers) as customers,
        count(case when churned_customers > customers then 1 end) as impossible_bands

    from backtest
    group by month

),

health_totals as (

    select
        month,
        count(*) as customers

    from health
    group by month

)

select
    coalesce(backtest_totals.month, health_totals.month) as month,
    backtest_totals.customers as backtest_customers,
    health_totals.customers as scored_customers,
    backtest_totals.impossible_bands

from backtest_totals
full outer join health_totals
    on backtest_totals.month = health_totals.month
where backtest_totals.customers is distinct from health_totals.customers
    or backtest_totals.impossible_bands > 0
