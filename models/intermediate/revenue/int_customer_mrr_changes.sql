{{ config(materialized='table') }}

-- The breakpoints of each customer's MRR step function (local currency): one row per customer
-- per instant at which the sum of their paying items changes, all subscriptions netted.
with

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

deltas as (

    select
        customer_id,
        currency,
        paying_from_at as changed_at,
        item_mrr_local as mrr_delta_local

    from items

    union all

    select
        customer_id,
        currency,
        paying_until_at as changed_at,
        -item_mrr_local as mrr_delta_local

    from items
    where not is_open_at_as_of

),

netted as (

    select
        customer_id,
        currency,
        changed_at,
        sum(mrr_delta_local) as mrr_delta_local

    from deltas
    group by customer_id, currency, changed_at
    having sum(mrr_delta_local) <> 0

),

running as (

    select
        customer_id,
        currency,
        changed_at,
        mrr_delta_local,
        sum(mrr_delta_local) over (
            partition by customer_id, currency
            order by changed_at
            rows between unbounded preceding and current row
        ) as mrr_after_local,
        row_number() over (partition by customer_id, currency order by changed_at) as change_number

    from netted

)

select
    customer_id || '|' || currency || '|' || {{ timestamp_key('changed_at') }} as mrr_change_id,
    customer_id,
    currency,
    changed_at,
    {{ month_of('changed_at') }} as change_month,
    change_number,
    mrr_after_local - mrr_delta_local as mrr_before_local,
    mrr_after_local,
    mrr_delta_local

from running
