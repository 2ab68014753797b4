-- Gross margin per month (metrics.md, Headline KPIs): the var gross_margin when it is set,
-- else 1 - cost_of_service / revenue over the trailing 12 months M-11..M, where cost_of_service
-- is the operating expenses of support, customer_success and infrastructure and revenue is the
-- amount_paid of paid invoices minus refunds, all in USD at their month's rate. Months without
-- data count as 0, so the first months use the months there are. The computed margin is null
-- when the trailing revenue is 0 or negative.
{%- set configured_gross_margin = var('gross_margin', none) %}

with

months as (

    select * from {{ ref('int_months') }}

),

transactions as (

    select * from {{ ref('int_revenue_transactions') }}

),

expenses as (

    select * from {{ ref('int_operating_expenses_usd') }}

),

monthly_revenue as (

    select
        month,
        sum(
            case
                when transaction_type = 'collected' then amount
                when transaction_type = 'refunded' then -amount
                else 0
            end
        ) as revenue

    from transactions
    where transaction_type in ('collected', 'refunded')
    group by month

),

monthly_cost as (

    select
        month,
        sum(amount) as cost_of_service

    from expenses
    where is_cost_of_service
    group by month

),

trailing_revenue as (

    select
        months.month,
        coalesce(sum(monthly_revenue.revenue), 0) as trailing_revenue

    from months
    left join monthly_revenue
        on monthly_revenue.month between {{ add_months('months.month', -11) }} and months.month
    group by months.month

),

trailing_cost as (

    select
        months.month,
        coalesce(sum(monthly_cost.cost_of_service), 0) as trailing_cost_of_service

    from months
    left join monthly_cost
        on monthly_cost.month between {{ add_months('months.month', -11) }} and months.month
    group by months.month

),

margins as (

    select
        trailing_revenue.month,
        trailing_cost.trailing_cost_of_service,
        trailing_revenue.trailing_revenue,
        case
            when trailing_revenue.trailing_revenue > 0
                then
                    1 - cast(trailing_cost.trailing_cost_of_service as double)
                    / cast(trailing_revenue.trailing_revenue as double)
        end as computed_gross_margin

    from trailing_revenue
    inner join trailing_cost
        on trailing_revenue.month = trailing_cost.month

)

select
    month,
    {% if configured_gross_margin is not none -%}
        cast({{ configured_gross_margin }} as double) as gross_margin,
        'var' as gross_margin_method,
    {%- else -%}
        computed_gross_margin as gross_margin,
        'trailing_12m' as gross_margin_method,
    {%- endif %}
    cast(trailing_cost_of_service as decimal(38, 6)) as trailing_cost_of_service,
    cast(trailing_revenue as decimal(38, 6)) as trailing_revenue

from margins
