-- One row per billing customer (test accounts excluded), including customers that
-- subscriptions reference but billing_customers lacks. Ids and attributes only: no PII.
with

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

all_customers as (

    select
        customer_id,
        company_id,
        country,
        created_at,
        true as is_in_billing_customers

    from customers
    where not is_test

    union all

    select
        subscriptions.customer_id,
        null as company_id,
        null as country,
        min(subscriptions.created_at) as created_at,
        false as is_in_billing_customers

    from subscriptions
    left join customers
        on subscriptions.customer_id = customers.customer_id
    where customers.customer_id is null
    group by subscriptions.customer_id

),

first_paid as (

    select
        customer_id,
        occurred_at as first_paid_at,
        movement_month as cohort_month

    from movements
    where movement_type = 'new'

),

current_mrr as (

    select
        customer_months.customer_id,
        customer_months.currency,
        customer_months.mrr_local,
        customer_months.mrr

    from customer_months
    cross join reporting_window
    where customer_months.month = reporting_window.as_of_month

),

-- Plans and add-ons: the raw contract gives every price a plan_tier ("starter, growth,
-- enterprise, or an add-on name") but no field that says which values are add-ons, so the model
-- tells them apart by how they are sold: an add-on is bought on top of a plan, never on its own.
-- A plan_tier value is a plan tier when some customer (test accounts excluded) has an item history
-- row of that tier in its paying window with no item of another tier (or of no tier) in its paying
-- window at any instant of that row; a value only ever paid alongside other items is an add-on.
tier_periods as (

    select
        items.subscription_item_period_id,
        items.customer_id,
        items.plan_tier,
        items.paying_from_at,
        items.paying_until_at

    from items
    inner join all_customers
        on items.customer_id = all_customers.customer_id

),

periods_paid_alone as (

    select
        tier_periods.subscription_item_period_id,
        tier_periods.plan_tier

    from tier_periods
    left join tier_periods as alongside
        on tier_periods.customer_id = alongside.customer_id
            and (alongside.plan_tier is null or tier_periods.plan_tier <> alongside.plan_tier)
            and tier_periods.paying_until_at > alongside.paying_from_at
            and tier_periods.paying_from_at < alongside.paying_until_at
    where tier_periods.plan_tier is not null
    group by tier_periods.subscription_item_period_id, tier_periods.plan_tier
    having count(alongside.subscription_item_period_id) = 0

),

plan_tiers as (

    select distinct plan_tier

    from periods_paid_alone

),

current_tiers as (

    select
        items.customer_id,
        -- the largest paying plan item (add-ons left out); equal items resolved by tier name (the
        -- name that sorts last), so the result never depends on row order
        max_by(items.plan_tier, (items.item_mrr_local, items.plan_tier)) as current_plan_tier

    from items
    inner join plan_tiers
        on items.plan_tier = plan_tiers.plan_tier
    where items.is_open_at_as_of
        and items.item_mrr_local > 0
    group by items.customer_id

),

billing_currencies as (

    select
        customer_id,
        min(currency) as currency

    from items
    group by customer_id

),

trialing as (

    select distinct subscriptions.customer_id

    from subscriptions
    cross join reporting_window
    where subscriptions.trial_started_at < reporting_window.as_of_ts
        and subscriptions.trial_ended_at >= reporting_window.as_of_ts
        and coalesce(subscriptions.ended_at, reporting_window.as_of_ts) >= reporting_window.as_of_ts

)

select
    cast(all_customers.customer_id as string) as customer_id,
    cast(all_customers.company_id as string) as company_id,
    cast(all_customers.country as string) as country,
    cast(all_customers.created_at as timestamp) as created_at,
    cast(all_customers.is_in_billing_customers as boolean) as is_in_billing_customers,
    cast(coalesce(current_mrr.currency, billing_currencies.currency) as string) as currency,
    cast(first_paid.first_paid_at as timestamp) as first_paid_at,
    cast(first_paid.cohort_month as date) as cohort_month,
    cast(coalesce(current_mrr.mrr_local, 0) as decimal(38, 6)) as current_mrr_local,
    cast(coalesce(current_mrr.mrr, 0) as decimal(38, 6)) as current_mrr,
    cast(current_tiers.current_plan_tier as string) as current_plan_tier,
    cast(
        case
            when current_mrr.mrr_local > 0 then 'active'
            when trialing.customer_id is not null then 'trialing'
            when first_paid.first_paid_at is not null then 'churned'
            else 'never_paid'
        end as string
    ) as customer_status

from all_customers
left join first_paid
    on all_customers.customer_id = first_paid.customer_id
left join current_mrr
    on all_customers.customer_id = current_mrr.customer_id
left join current_tiers
    on all_customers.customer_id = current_tiers.customer_id
left join billing_currencies
    on all_customers.customer_id = billing_currencies.customer_id
left join trialing
    on all_customers.customer_id = trialing.customer_id
