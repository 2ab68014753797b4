-- Churned customers and churned MRR by cancellation reason and month. Each churn movement takes
-- the cancellation_reason of the subscription whose end caused it: among the customer's
-- subscriptions with ended_at at the churn instant and an item paying until then, the one with
-- the most item MRR (then the lowest subscription_id). 'unknown' when that subscription has no
-- reason or no subscription ended then (the last item was removed or discounted to 0).
-- Counts are churn movements, as in fct_mrr_monthly, and churned_mrr keeps its sign (<= 0).
with

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

churns as (

    select
        movement_id,
        customer_id,
        occurred_at,
        movement_month,
        mrr_change

    from movements
    where movement_type = 'churn'

),

ending_subscriptions as (

    select
        items.customer_id,
        items.subscription_id,
        subscriptions.ended_at,
        subscriptions.cancellation_reason,
        sum(items.item_mrr_local) as ending_mrr_local

    from items
    inner join subscriptions
        on items.subscription_id = subscriptions.subscription_id
    where items.paying_until_at = subscriptions.ended_at
    group by items.customer_id, items.subscription_id, subscriptions.ended_at, subscriptions.cancellation_reason

),

ranked_causes as (

    select
        churns.movement_id,
        ending_subscriptions.cancellation_reason,
        row_number() over (
            partition by churns.movement_id
            order by ending_subscriptions.ending_mrr_local desc, ending_subscriptions.subscription_id asc
        ) as cause_rank

    from churns
    inner join ending_subscriptions
        on churns.customer_id = ending_subscriptions.customer_id
            and churns.occurred_at = ending_subscriptions.ended_at

),

churn_reasons as (

    select
        churns.movement_month as month,
        coalesce(ranked_causes.cancellation_reason, 'unknown') as cancellation_reason,
        churns.mrr_change

    from churns
    left join ranked_causes
        on churns.movement_id = ranked_causes.movement_id
            and ranked_causes.cause_rank = 1

),

totals as (

    select
        month,
        cancellation_reason,
        count(*) as churned_customers,
        sum(mrr_change) as churned_mrr

    from churn_reasons
    group by month, cancellation_reason

)

select
    cast(cast(month as string) || '|' || cancellation_reason as string) as churn_reason_month_id,
    cast(month as date) as month,
    cast(cancellation_reason as string) as cancellation_reason,
    cast(churned_customers as bigint) as churned_customers,
    cast(churned_mrr as decimal(38, 6)) as churned_mrr,
    cast({{ divide('churned_customers', 'sum(churned_customers) over (partition by month)') }} as double)
        as share_of_churned_customers

from totals
