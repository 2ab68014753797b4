-- One row per month from the first paid month to the as_of month: the MRR roll-forward
-- (starting + movements = ending), customer counts and the rates of metrics.md.
with

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

months as (

    select * from {{ ref('int_months') }}

),

first_paid as (

    select min(month) as first_paid_month from customer_months

),

report_months as (

    select
        months.month,
        row_number() over (order by months.month) as month_number

    from months
    cross join first_paid
    where months.month >= first_paid.first_paid_month

),

movement_totals as (

    select
        movement_month as month,
        sum(case when movement_type = 'new' then mrr_change else 0 end) as new_mrr,
        sum(case when movement_type = 'expansion' then mrr_change else 0 end) as expansion_mrr,
        sum(case when movement_type = 'reactivation' then mrr_change else 0 end) as reactivation_mrr,
        sum(case when movement_type = 'contraction' then mrr_change else 0 end) as contraction_mrr,
        sum(case when movement_type = 'churn' then mrr_change else 0 end) as churned_mrr,
        sum(case when movement_type = 'fx' then mrr_change else 0 end) as fx_mrr,
        count(case when movement_type = 'new' then 1 end) as new_customers,
        count(case when movement_type = 'reactivation' then 1 end) as reactivated_customers,
        count(case when movement_type = 'churn' then 1 end) as churned_customers

    from movements
    group by movement_month

),

month_end_totals as (

    select
        month,
        sum(mrr) as ending_mrr,
        count(case when is_active then 1 end) as ending_customers

    from customer_months
    group by month

),

-- Constant-currency 12-month retention: the customers active at the end of M-12, their local
-- MRR at the end of M against at the end of M-12, both converted at rate(M).
retention_pairs as (

    select
        current_month.month,
        {{ to_usd('current_month.mrr_local', 'current_month.usd_per_unit') }} as mrr_now,
        {{ to_usd('year_ago.mrr_local', 'current_month.usd_per_unit') }} as mrr_year_ago,
        {{ to_usd('least(current_month.mrr_local, year_ago.mrr_local)', 'current_month.usd_per_unit') }}
            as mrr_now_capped

    from customer_months as current_month
    inner join customer_months as year_ago
        on current_month.customer_id = year_ago.customer_id
            and current_month.currency = year_ago.currency
            and year_ago.month = {{ add_months('current_month.month', -12) }}
    where year_ago.is_active

),

retention_totals as (

    select
        month,
        sum(mrr_now) as retained_mrr,
        sum(mrr_now_capped) as retained_mrr_capped,
        sum(mrr_year_ago) as base_mrr

    from retention_pairs
    group by month

),

rolled as (

    select
        report_months.month,
        report_months.month_number,
        coalesce(lag(month_end_totals.ending_mrr) over (order by report_months.month), 0) as starting_mrr,
        coalesce(movement_totals.new_mrr, 0) as new_mrr,
        coalesce(movement_totals.expansion_mrr, 0) as expansion_mrr,
        coalesce(movement_totals.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movement_totals.contraction_mrr, 0) as contraction_mrr,
        coalesce(movement_totals.churned_mrr, 0) as churned_mrr,
        coalesce(movement_totals.fx_mrr, 0) as fx_mrr,
        coalesce(month_end_totals.ending_mrr, 0) as ending_mrr,
        coalesce(lag(month_end_totals.ending_customers) over (order by report_months.month), 0)
            as starting_customers,
        coalesce(movement_totals.new_customers, 0) as new_customers,
        coalesce(movement_totals.reactivated_customers, 0) as reactivated_customers,
        coalesce(movement_totals.churned_customers, 0) as churned_customers,
        coalesce(month_end_totals.ending_customers, 0) as ending_customers,
        retention_totals.retained_mrr,
        retention_totals.retained_mrr_capped,
        retention_totals.base_mrr

    from report_months
    left join movement_totals
        on report_months.month = movement_totals.month
    left join month_end_totals
        on report_months.month = month_end_totals.month
    left join retention_totals
        on report_months.month = retention_totals.month

)

select
    cast(month as date) as month,
    cast(starting_mrr as decimal(38, 6)) as starting_mrr,
    cast(new_mrr as decimal(38, 6)) as new_mrr,
    cast(expansion_mrr as decimal(38, 6)) as expansion_mrr,
    cast(reactivation_mrr as decimal(38, 6)) as reactivation_mrr,
    cast(contraction_mrr as decimal(38, 6)) as contraction_mrr,
    cast(churned_mrr as decimal(38, 6)) as churned_mrr,
    cast(fx_mrr as decimal(38, 6)) as fx_mrr,
    cast(ending_mrr as decimal(38, 6)) as ending_mrr,
    cast(12 * ending_mrr as decimal(38, 6)) as arr,
    cast(starting_customers as bigint) as starting_customers,
    cast(new_customers as bigint) as new_customers,
    cast(reactivated_customers as bigint) as reactivated_customers,
    cast(churned_customers as bigint) as churned_customers,
    cast(ending_customers as bigint) as ending_customers,
    cast({{ divide('ending_mrr', 'ending_customers') }} as double) as arpa,
    cast({{ divide('churned_customers', 'starting_customers') }} as double) as customer_churn_rate,
    cast({{ divide('-(churned_mrr + contraction_mrr)', 'starting_mrr') }} as double) as gross_mrr_churn_rate,
    cast(
        {{ divide('-(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr)', 'starting_mrr') }} as double
    ) as net_mrr_churn_rate,
    cast(
        {{ divide('new_mrr + expansion_mrr + reactivation_mrr', '-(churned_mrr + contraction_mrr)') }} as double
    ) as quick_ratio,
    cast(case when month_number > 12 then {{ divide('retained_mrr', 'base_mrr') }} end as double)
        as net_revenue_retention_12m,
    cast(case when month_number > 12 then {{ divide('retained_mrr_capped', 'base_mrr') }} end as double)
        as gross_revenue_retention_12m

from rolled
