-- For every customer and month: MRR at the end of M = MRR at the end of M-1 + the customer's
-- movements in M (exactly: USD amounts are exact decimals). After an incremental run it checks the
-- months from the first one either model rebuilt since the last complete build that passed, and
-- reads the month before them for the comparison (macros/incremental.sql, months_to_test): earlier
-- months passed then and have not changed since.
{%- set checked_models = [ref('fct_customer_mrr_monthly').identifier, ref('fct_mrr_movements').identifier] %}
with

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}
    where {{ since_first_month_to_test(checked_models, 'month', 1) }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}
    where {{ since_first_month_to_test(checked_models, 'movement_month') }}

),

movement_sums as (

    select
        customer_id,
        currency,
        movement_month as month,
        sum(mrr_change) as mrr_change

    from movements
    group by customer_id, currency, movement_month

),

compared as (

    select
        customer_months.customer_id,
        customer_months.month,
        customer_months.mrr,
        coalesce(
            lag(customer_months.mrr) over (
                partition by customer_months.customer_id, customer_months.currency
                order by customer_months.month
            ),
            0
        ) as previous_mrr,
        coalesce(movement_sums.mrr_change, 0) as mrr_change

    from customer_months
    left join movement_sums
        on customer_months.customer_id = movement_sums.customer_id
            and customer_months.currency = movement_sums.currency
            and customer_months.month = movement_sums.month

)

select * from compared
where previous_mrr + mrr_change <> mrr
    and {{ since_first_month_to_test(checked_models, 'month') }}
