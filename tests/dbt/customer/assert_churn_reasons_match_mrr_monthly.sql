-- Churn reasons account for every churn: per month, their churned customers and churned MRR
-- equal fct_mrr_monthly's churned_customers and churned_mrr. Failing rows are months.
with

reasons as (

    select * from {{ ref('fct_churn_reasons_monthly') }}

),

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

reason_totals as (

    select
        month,
        sum(churned_customers) as churned_customers,
        sum(churned_mrr) as churned_mrr

    from reasons
    group by month

),

compared as (

    select
        coalesce(monthly.month, reason_totals.month) as month,
        coalesce(monthly.churned_customers, 0) as monthly_churned_customers,
        coalesce(reason_totals.churned_customers, 0) as reason_churned_customers,
        coalesce(monthly.churned_mrr, 0) as monthly_churned_mrr,
        coalesce(reason_totals.churned_mrr, 0) as reason_churned_mrr

    from monthly
    full outer join reason_totals
        on monthly.month = reason_totals.month

)

select *

from compared
where monthly_churned_customers <> reason_churned_customers
    or monthly_churned_mrr <> reason_churned_mrr
