{{ config(**incremental_config('month', 'usage')) }}

-- Product usage per customer-month up to as_of, test customers excluded: the monthly totals of the
-- daily usage rows, computed once for fct_product_usage_monthly (and through it, health and cost
-- to serve). Incremental: a run rebuilds only the months its new raw data can have changed.
with

daily_usage as (

    select * from {{ ref('stg_product__daily_usage') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

live_usage as (

    select daily_usage.*

    from daily_usage
    left join customers
        on daily_usage.customer_id = customers.customer_id
    where not coalesce(customers.is_test, false)
        and daily_usage.usage_date <= {{ reporting_window_bound('as_of_date') }}
        and {{ incremental_months_since('daily_usage.usage_date', 'usage') }}
        and {{ incremental_months_filter(month_of('daily_usage.usage_date'), 'usage') }}

)

select
    customer_id,
    {{ month_of('usage_date') }} as month,
    count(case when active_users > 0 then 1 end) as days_with_usage,
    sum(active_users) as active_user_days,
    sum(coalesce(usage_sessions, 0)) as total_sessions,
    sum(coalesce(usage_events, 0)) as total_events,
    sum(coalesce(key_feature_uses, 0)) as total_key_feature_uses

from live_usage
group by customer_id, {{ month_of('usage_date') }}
