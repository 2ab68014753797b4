-- For every month: starting_customers + new + reactivated - churned = ending_customers, and
-- starting_customers is the previous month's ending_customers.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

)

select *
from (
    select
        month,
        starting_customers,
        new_customers,
        reactivated_customers,
        churned_customers,
        ending_customers,
        lag(ending_customers) over (order by month) as previous_ending_customers

    from monthly
) as checked
where starting_customers + new_customers + reactivated_customers - churned_customers <> ending_customers
    or starting_customers <> coalesce(previous_ending_customers, 0)
