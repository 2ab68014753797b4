-- Does the health score predict churn? For each month and health band: the customers scored
-- that month, how many of them have a churn movement in the next three months (M+1..M+3), and
-- the share. A customer churning twice in the window counts once. Every band appears for every
-- scored month (0 customers where none). is_window_complete is false while the window M+1..M+3
-- still reaches past as_of: those rows are kept for monitoring but undercount churn.
with

health as (

    select * from {{ ref('fct_customer_health_monthly') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

bands as (

    select
        band_list.band_order,
        band_list.health_band

    from (values (1, 'healthy'), (2, 'at_risk'), (3, 'critical')) as band_list (band_order, health_band)

),

churns as (

    select
        customer_id,
        movement_month

    from movements
    where movement_type = 'churn'

),

outcomes as (

    select
        health.customer_id,
        health.month,
        health.health_band,
        health.health_score,
        count(churns.customer_id) > 0 as churned_within_3_months

    from health
    left join churns
        on health.customer_id = churns.customer_id
            and churns.movement_month
            between {{ add_months('health.month', 1) }} and {{ add_months('health.month', 3) }}
    group by health.customer_id, health.month, health.health_band, health.health_score

),

scored_months as (

    select distinct month from health

),

month_bands as (

    select
        scored_months.month,
        bands.band_order,
        bands.health_band

    from scored_months
    cross join bands

),

band_totals as (

    select
        month,
        health_band,
        count(*) as customers,
        count(case when churned_within_3_months then 1 end) as churned_customers,
        {{ divide(stable_sum('health_score', 2), 'count(*)') }} as avg_health_score

    from outcomes
    group by month, health_band

)

select
    cast(cast(month_bands.month as string) || '|' || month_bands.health_band as string) as health_backtest_id,
    cast(month_bands.month as date) as month,
    cast(month_bands.health_band as string) as health_band,
    cast(month_bands.band_order as integer) as band_order,
    cast(coalesce(band_totals.customers, 0) as bigint) as customers,
    cast(coalesce(band_totals.churned_customers, 0) as bigint) as churned_customers,
    cast({{ divide('band_totals.churned_customers', 'band_totals.customers') }} as double) as churn_rate,
    cast(band_totals.avg_health_score as double) as avg_health_score,
    cast(
        cast({{ add_months('month_bands.month', 4) }} - interval 1 day as date) <= reporting_window.as_of_date
        as boolean
    ) as is_window_complete

from month_bands
cross join reporting_window
left join band_totals
    on month_bands.month = band_totals.month
        and month_bands.health_band = band_totals.health_band
