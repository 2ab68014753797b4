-- Every month, the customers' allocated support, customer_success and infrastructure costs sum
-- exactly to that month's pools, the allocated customers are the month's active customers, and
-- a pool is left unallocated only in a month without active customers. Failing rows are months.
with

pools as (

    select * from {{ ref('fct_cost_to_serve_monthly') }}

),

allocations as (

    select * from {{ ref('fct_customer_cost_to_serve_monthly') }}

),

allocated_totals as (

    select
        month,
        count(*) as allocated_customers,
        sum(support_cost) as support_allocated,
        sum(customer_success_cost) as customer_success_allocated,
        sum(infrastructure_cost) as infrastructure_allocated

    from allocations
    group by month

),

compared as (

    select
        coalesce(pools.month, allocated_totals.month) as month,
        pools.active_customers,
        coalesce(allocated_totals.allocated_customers, 0) as allocated_customers,
        pools.support_cost,
        coalesce(allocated_totals.support_allocated, 0) as support_allocated,
        pools.customer_success_cost,
        coalesce(allocated_totals.customer_success_allocated, 0) as customer_success_allocated,
        pools.infrastructure_cost,
        coalesce(allocated_totals.infrastructure_allocated, 0) as infrastructure_allocated,
        pools.unallocated_cost,
        pools.cost_to_serve

    from pools
    full outer join allocated_totals
        on pools.month = allocated_totals.month

)

select *

from compared
where active_customers is null
    or allocated_customers <> active_customers
    or support_allocated + customer_success_allocated + infrastructure_allocated + unallocated_cost
    <> cost_to_serve
    or (
        active_customers > 0
        and (
            support_allocated <> support_cost
            or customer_success_allocated <> customer_success_cost
            or infrastructure_allocated <> infrastructure_cost
        )
    )
