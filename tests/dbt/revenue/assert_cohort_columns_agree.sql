-- A cohort's active members are some of its members (0 <= active_customers <= cohort_customers),
-- its MRR is never negative, and its retentions are their ratios (metrics.md "Retention cohorts").
-- That the members add up to each month's customers is tested in assert_cohorts_match_monthly.
with

cohorts as (

    select * from {{ ref('fct_retention_cohorts') }}

),

checked as (

    select
        cohort_month,
        months_since_start,
        case
            when active_customers < 0 or active_customers > cohort_customers
                then 'active_customers outside 0..cohort_customers'
            when mrr < 0 then 'mrr < 0'
            when {{ ratio_differs('logo_retention', 'active_customers', 'cohort_customers') }}
                then 'logo_retention <> active_customers / cohort_customers'
            when {{ ratio_differs('net_mrr_retention', 'mrr', 'cohort_starting_mrr') }}
                then 'net_mrr_retention <> mrr / cohort_starting_mrr'
        end as failure

    from cohorts

)

select * from checked
where failure is not null
