-- ending_mrr and ending_customers of every month equal the sums over fct_customer_mrr_monthly.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}

),

summed as (

    select
        month,
        sum(mrr) as mrr,
        count(case when is_active then 1 end) as active_customers

    from customer_months
    group by month

)

select
    monthly.month,
    monthly.ending_mrr,
    summed.mrr,
    monthly.ending_customers,
    summed.active_customers

from monthly
left join summed
    on monthly.month = summed.month
where abs(monthly.ending_mrr - coalesce(summed.mrr, 0)) > 0.01
    or monthly.ending_customers <> coalesce(summed.active_customers, 0)
