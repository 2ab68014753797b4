-- fct_customer_health_monthly scores every active customer-month of fct_customer_mrr_monthly, no
-- more and no fewer (its key is tested unique): a customer left out of the scores would be missing
-- from every health band, churn risk list and back-test without a trace. Counted per month.
with

active as (

    select
        month,
        count(*) as customers

    from {{ ref('fct_customer_mrr_monthly') }}
    where is_active
    group by month

),

scored as (

    select
        month,
        count(*) as customers

    from {{ ref('fct_customer_health_monthly') }}
    group by month

)

select
    coalesce(active.month, scored.month) as month,
    coalesce(active.customers, 0) as active_customers,
    coalesce(scored.customers, 0) as scored_customers

from active
full outer join scored
    on active.month = scored.month
where coalesce(active.customers, 0) != coalesce(scored.customers, 0)
