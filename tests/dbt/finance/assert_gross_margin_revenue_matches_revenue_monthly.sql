-- The revenue behind the computed gross margin is the revenue mart's: for every month, the
-- trailing revenue of int_gross_margin_monthly equals fct_revenue_monthly's net_collected summed
-- over M-11..M, and its trailing cost of service equals fct_cost_to_serve_monthly's
-- cost_to_serve over the same months. Failing rows are months.
with

margins as (

    select * from {{ ref('int_gross_margin_monthly') }}

),

revenue as (

    select * from {{ ref('fct_revenue_monthly') }}

),

costs as (

    select * from {{ ref('fct_cost_to_serve_monthly') }}

),

trailing_revenue as (

    select
        margins.month,
        coalesce(sum(revenue.net_collected), 0) as net_collected

    from margins
    left join revenue
        on revenue.month between {{ add_months('margins.month', -11) }} and margins.month
    group by margins.month

),

trailing_cost as (

    select
        margins.month,
        coalesce(sum(costs.cost_to_serve), 0) as cost_to_serve

    from margins
    left join costs
        on costs.month between {{ add_months('margins.month', -11) }} and margins.month
    group by margins.month

)

select
    margins.month,
    margins.trailing_revenue,
    trailing_revenue.net_collected,
    margins.trailing_cost_of_service,
    trailing_cost.cost_to_serve

from margins
inner join trailing_revenue
    on margins.month = trailing_revenue.month
inner join trailing_cost
    on margins.month = trailing_cost.month
where margins.trailing_revenue <> trailing_revenue.net_collected
    or margins.trailing_cost_of_service <> trailing_cost.cost_to_serve
