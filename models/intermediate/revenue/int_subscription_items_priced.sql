{{ config(materialized='table') }}

-- Each subscription item history row that can earn MRR, with its item MRR and the instants
-- between which it is paid: [paying_from_at, paying_until_at), the history row's period cut
-- to the subscription's paying window (from trial_end, until ended_at) and to as_of_ts.
-- Rows whose subscription or price is unknown cannot be priced and are left out (tests report
-- them); one-off prices never earn MRR; test customers are excluded.
with

item_periods as (

    select * from {{ ref('stg_billing__subscription_item_periods') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

prices as (

    select * from {{ ref('stg_billing__prices') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

priced as (

    select
        item_periods.subscription_item_period_id,
        item_periods.subscription_item_id,
        item_periods.subscription_id,
        subscriptions.customer_id,
        item_periods.price_id,
        prices.plan_tier,
        prices.currency,
        item_periods.quantity,
        item_periods.discount_percent,
        item_periods.discount_amount_minor,
        {{ item_mrr(
            'prices.unit_amount_minor', 'item_periods.quantity', 'item_periods.discount_percent',
            'item_periods.discount_amount_minor', 'prices.currency_exponent', 'prices.months_per_interval'
        ) }} as item_mrr_local,
        greatest(item_periods.valid_from, coalesce(subscriptions.trial_ended_at, item_periods.valid_from))
            as paying_from_at,
        least(
            coalesce(item_periods.valid_to, reporting_window.as_of_ts),
            coalesce(subscriptions.ended_at, reporting_window.as_of_ts),
            reporting_window.as_of_ts
        ) as paying_until_at,
        reporting_window.as_of_ts

    from item_periods
    inner join subscriptions
        on item_periods.subscription_id = subscriptions.subscription_id
    inner join prices
        on item_periods.price_id = prices.price_id
    left join customers
        on subscriptions.customer_id = customers.customer_id
    cross join reporting_window
    where prices.is_recurring
        and not coalesce(customers.is_test, false)

)

select
    subscription_item_period_id,
    subscription_item_id,
    subscription_id,
    customer_id,
    price_id,
    plan_tier,
    currency,
    quantity,
    discount_percent,
    discount_amount_minor,
    item_mrr_local,
    paying_from_at,
    paying_until_at,
    paying_until_at = as_of_ts as is_open_at_as_of

from priced
where paying_from_at < paying_until_at
