-- One row per trial (a subscription with trial_start, test customers excluded, started before
-- as_of_ts): converted when the subscription ever paid (MRR > 0) by as_of; engaged when the
-- customer used the product (active_users > 0) on at least 3 days of the trial.
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

usage as (

    select * from {{ ref('stg_product__daily_usage') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

trials as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.trial_started_at,
        subscriptions.trial_ended_at,
        subscriptions.ended_at,
        reporting_window.as_of_ts

    from subscriptions
    cross join reporting_window
    left join customers
        on subscriptions.customer_id = customers.customer_id
    where subscriptions.trial_started_at is not null
        and subscriptions.trial_started_at < reporting_window.as_of_ts
        and not coalesce(customers.is_test, false)

),

conversions as (

    select
        subscription_id,
        min(paying_from_at) as converted_at

    from items
    where item_mrr_local > 0
    group by subscription_id

),

trial_windows as (

    select
        trials.*,
        conversions.converted_at,
        -- the trial lasts until trial_end; without one, until it paid, ended or as_of
        least(
            coalesce(trials.trial_ended_at, conversions.converted_at, trials.ended_at, trials.as_of_ts),
            coalesce(trials.ended_at, trials.as_of_ts),
            trials.as_of_ts
        ) as trial_window_end_at

    from trials
    left join conversions
        on trials.subscription_id = conversions.subscription_id

),

usage_days as (

    select
        trial_windows.subscription_id,
        count(*) as active_usage_days

    from trial_windows
    inner join usage
        on trial_windows.customer_id = usage.customer_id
            and usage.usage_date >= cast(trial_windows.trial_started_at as date)
            and cast(usage.usage_date as timestamp) < trial_windows.trial_window_end_at
    where usage.active_users > 0
    group by trial_windows.subscription_id

)

select
    cast(trial_windows.subscription_id as string) as trial_id,
    cast(trial_windows.customer_id as string) as customer_id,
    cast(trial_windows.trial_started_at as timestamp) as trial_started_at,
    cast(trial_windows.trial_ended_at as timestamp) as trial_ended_at,
    cast({{ month_of('trial_windows.trial_started_at') }} as date) as trial_month,
    cast(coalesce(usage_days.active_usage_days, 0) as integer) as active_usage_days,
    cast(coalesce(usage_days.active_usage_days, 0) >= 3 as boolean) as is_engaged,
    cast(trial_windows.converted_at is not null as boolean) as is_converted,
    cast(trial_windows.converted_at as timestamp) as converted_at,
    cast({{ divide(seconds_between('trial_windows.trial_started_at', 'trial_windows.converted_at'), '86400') }} as double)
        as days_to_convert,
    cast(
        case
            when trial_windows.converted_at is not null then 'converted'
            when trial_windows.trial_window_end_at >= trial_windows.as_of_ts then 'in_trial'
            else 'not_converted'
        end as string
    ) as trial_outcome

from trial_windows
left join usage_days
    on trial_windows.subscription_id = usage_days.subscription_id
