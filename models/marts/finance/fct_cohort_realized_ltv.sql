-- Realized lifetime value by cohort: for each cohort (the month of the members' `new`
-- movement) and k = 0 .. as_of month - cohort month, the money the members paid minus what was
-- refunded to them, in USD at each month's rate, cumulated up to the end of cohort_month + k and
-- divided by the cohort's size. Payments a member made before the cohort month (e.g. a setup fee
-- during a trial) count in k = 0.
with

customers as (

    select * from {{ ref('dim_customers') }}

),

transactions as (

    select * from {{ ref('int_revenue_transactions') }}

),

months as (

    select * from {{ ref('int_months') }}

),

cohort_members as (

    select
        customer_id,
        cohort_month

    from customers
    where cohort_month is not null

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers

    from cohort_members
    group by cohort_month

),

member_cash as (

    select
        cohort_members.cohort_month,
        {{ months_between('cohort_members.cohort_month', 'greatest(transactions.month, cohort_members.cohort_month)') }}
            as months_since_start,
        case
            when transactions.transaction_type = 'collected' then transactions.amount
            else -transactions.amount
        end as net_amount

    from cohort_members
    inner join transactions
        on cohort_members.customer_id = transactions.customer_id
    where transactions.transaction_type in ('collected', 'refunded')

),

cohort_cash as (

    select
        cohort_month,
        months_since_start,
        sum(net_amount) as net_collected

    from member_cash
    group by cohort_month, months_since_start

),

cohort_periods as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        {{ months_between('cohort_sizes.cohort_month', 'months.month') }} as months_since_start

    from cohort_sizes
    inner join months
        on cohort_sizes.cohort_month <= months.month

),

cumulated as (

    select
        cohort_periods.cohort_month,
        cohort_periods.months_since_start,
        cohort_periods.cohort_customers,
        coalesce(cohort_cash.net_collected, 0) as net_collected,
        sum(coalesce(cohort_cash.net_collected, 0)) over (
            partition by cohort_periods.cohort_month
            order by cohort_periods.months_since_start
            rows between unbounded preceding and current row
        ) as cumulative_net_collected

    from cohort_periods
    left join cohort_cash
        on cohort_periods.cohort_month = cohort_cash.cohort_month
            and cohort_periods.months_since_start = cohort_cash.months_since_start

)

select
    cast(cast(cohort_month as string) || '+' || cast(months_since_start as string) as string)
        as cohort_ltv_period_id,
    cast(cohort_month as date) as cohort_month,
    cast(months_since_start as integer) as months_since_start,
    cast(cohort_customers as bigint) as cohort_customers,
    cast(net_collected as decimal(38, 6)) as net_collected,
    cast(cumulative_net_collected as decimal(38, 6)) as cumulative_net_collected,
    {{ to_money(divide('cumulative_net_collected', 'cohort_customers')) }} as realized_ltv

from cumulated
