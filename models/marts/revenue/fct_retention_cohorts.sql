-- Logo and revenue retention by cohort (the month of each customer's `new` movement) and
-- months since start. Reactivated members count as active again; mrr is at each month's rate.
with

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

cohort_members as (

    select
        customer_id,
        currency,
        movement_month as cohort_month,
        mrr_change as starting_mrr

    from movements
    where movement_type = 'new'

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers,
        sum(starting_mrr) as cohort_starting_mrr

    from cohort_members
    group by cohort_month

),

member_months as (

    select
        cohort_members.cohort_month,
        {{ months_between('cohort_members.cohort_month', 'customer_months.month') }} as months_since_start,
        customer_months.is_active,
        customer_months.mrr

    from cohort_members
    inner join customer_months
        on cohort_members.customer_id = customer_months.customer_id
            and cohort_members.currency = customer_months.currency

),

cohort_months as (

    select
        cohort_month,
        months_since_start,
        count(case when is_active then 1 end) as active_customers,
        sum(mrr) as mrr

    from member_months
    group by cohort_month, months_since_start

)

select
    cast(cohort_months.cohort_month as string) || '+' || cast(cohort_months.months_since_start as string)
        as cohort_period_id,
    cast(cohort_months.cohort_month as date) as cohort_month,
    cast(cohort_months.months_since_start as integer) as months_since_start,
    cast(cohort_sizes.cohort_customers as bigint) as cohort_customers,
    cast(cohort_months.active_customers as bigint) as active_customers,
    cast({{ divide('cohort_months.active_customers', 'cohort_sizes.cohort_customers') }} as double) as logo_retention,
    cast(cohort_sizes.cohort_starting_mrr as decimal(38, 6)) as cohort_starting_mrr,
    cast(cohort_months.mrr as decimal(38, 6)) as mrr,
    cast({{ divide('cohort_months.mrr', 'cohort_sizes.cohort_starting_mrr') }} as double) as net_mrr_retention

from cohort_months
inner join cohort_sizes
    on cohort_months.cohort_month = cohort_sizes.cohort_month
