-- The cost to serve per month in USD: the support, customer_success and infrastructure
-- operating expenses (each row at its month's FX rate), the customers active at the month's end
-- and the cost per active customer. The whole pool is allocated to those customers
-- (fct_customer_cost_to_serve_monthly); only in a month without any active customer is it
-- left unallocated.
with

pools as (

    select * from {{ ref('int_cost_to_serve_pools_monthly') }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}

),

active_counts as (

    select
        month,
        count(distinct customer_id) as active_customers

    from customer_months
    where is_active
    group by month

),

totals as (

    select
        pools.month,
        pools.support_cost,
        pools.customer_success_cost,
        pools.infrastructure_cost,
        pools.support_cost + pools.customer_success_cost + pools.infrastructure_cost as cost_to_serve,
        coalesce(active_counts.active_customers, 0) as active_customers

    from pools
    left join active_counts
        on pools.month = active_counts.month

)

select
    cast(month as date) as month,
    cast(support_cost as decimal(38, 6)) as support_cost,
    cast(customer_success_cost as decimal(38, 6)) as customer_success_cost,
    cast(infrastructure_cost as decimal(38, 6)) as infrastructure_cost,
    cast(cost_to_serve as decimal(38, 6)) as cost_to_serve,
    cast(active_customers as bigint) as active_customers,
    cast(case when active_customers > 0 then cost_to_serve else 0 end as decimal(38, 6)) as allocated_cost,
    cast(case when active_customers > 0 then 0 else cost_to_serve end as decimal(38, 6)) as unallocated_cost,
    {{ to_money(divide('cost_to_serve', 'active_customers')) }} as cost_per_active_customer

from totals
