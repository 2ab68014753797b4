-- The cost-to-serve pools of each month in USD: support, customer_success and infrastructure
-- operating expenses (zero when a month has none), the amounts allocated to customers.
with

months as (

    select * from {{ ref('int_months') }}

),

expenses as (

    select * from {{ ref('int_operating_expenses_usd') }}

),

pools as (

    select
        month,
        sum(case when department = 'support' then amount else 0 end) as support_cost,
        sum(case when department = 'customer_success' then amount else 0 end) as customer_success_cost,
        sum(case when department = 'infrastructure' then amount else 0 end) as infrastructure_cost

    from expenses
    where is_cost_of_service
    group by month

)

select
    months.month,
    cast(coalesce(pools.support_cost, 0) as decimal(38, 6)) as support_cost,
    cast(coalesce(pools.customer_success_cost, 0) as decimal(38, 6)) as customer_success_cost,
    cast(coalesce(pools.infrastructure_cost, 0) as decimal(38, 6)) as infrastructure_cost

from months
left join pools
    on months.month = pools.month
