-- cohort_customers equals the cohort month's new_customers, and, for every calendar month, the
-- active members summed over cohorts equal that month's ending_customers.
with

cohorts as (

    select * from {{ ref('fct_retention_cohorts') }}

),

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

cohort_size_mismatches as (

    select
        cohorts.cohort_month as month,
        'cohort_customers <> new_customers' as failure

    from cohorts
    inner join monthly
        on cohorts.cohort_month = monthly.month
    where cohorts.months_since_start = 0
        and cohorts.cohort_customers <> monthly.new_customers

),

active_by_calendar_month as (

    select
        {{ add_months('cohort_month', 'months_since_start') }} as month,
        sum(active_customers) as active_customers

    from cohorts
    group by 1

),

active_mismatches as (

    select
        monthly.month,
        'sum of cohort active_customers <> ending_customers' as failure

    from monthly
    left join active_by_calendar_month
        on monthly.month = active_by_calendar_month.month
    where coalesce(active_by_calendar_month.active_customers, 0) <> monthly.ending_customers

)

select * from cohort_size_mismatches
union all
select * from active_mismatches
