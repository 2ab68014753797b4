-- Product usage per customer-month, for every month in which the customer used the product or
-- was active (MRR > 0) at the month's end. Daily averages are over the calendar days of the
-- month up to as_of (a day without a usage row counts as 0), so a partial as_of month compares
-- fairly with a full one. The change columns (active users, sessions, events, key feature uses)
-- compare with the previous calendar month (0 when it had no usage); is_usage_drop flags average
-- active users falling by usage_drop_threshold (default 0.5, i.e. 50%) or more from a previous
-- month with usage.
-- Incremental: month M depends only on data before the end of M, so a run rebuilds the months
-- from the earliest one its inputs changed (macros/incremental.sql, domain lineage).
{%- set drop_threshold = var('usage_drop_threshold', 0.5) %}
{{ config(**incremental_config('month', 'lineage')) }}

with

monthly_usage as (

    select * from {{ ref('int_product_usage_monthly') }}
    where {{ incremental_months_since('month', 'lineage', 1) }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}
    where {{ incremental_months_since('month', 'lineage') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

active_flags as (

    select
        customer_id,
        month,
        bool_or(is_active) as is_active

    from customer_months
    group by customer_id, month

),

customer_month_keys as (

    select
        customer_id,
        month

    from monthly_usage

    union

    select
        customer_id,
        month

    from active_flags
    where is_active

),

periods as (

    select
        customer_month_keys.customer_id,
        customer_month_keys.month,
        {{ dbt.datediff(
            'customer_month_keys.month',
            "least(cast(" ~ add_months('customer_month_keys.month', 1) ~ " - interval 1 day as date), reporting_window.as_of_date)",
            'day'
        ) }} + 1 as days_in_period,
        {{ dbt.datediff(add_months('customer_month_keys.month', -1), 'customer_month_keys.month', 'day') }}
            as days_in_previous_month

    from customer_month_keys
    cross join reporting_window
    where {{ incremental_months_filter('customer_month_keys.month', 'lineage') }}

),

combined as (

    select
        periods.customer_id,
        periods.month,
        coalesce(active_flags.is_active, false) as is_active,
        periods.days_in_period,
        periods.days_in_previous_month,
        coalesce(current_usage.days_with_usage, 0) as days_with_usage,
        coalesce(current_usage.active_user_days, 0) as active_user_days,
        coalesce(current_usage.total_sessions, 0) as total_sessions,
        coalesce(current_usage.total_events, 0) as total_events,
        coalesce(current_usage.total_key_feature_uses, 0) as total_key_feature_uses,
        coalesce(previous_usage.active_user_days, 0) as previous_active_user_days,
        coalesce(previous_usage.total_sessions, 0) as previous_total_sessions,
        coalesce(previous_usage.total_events, 0) as previous_total_events,
        coalesce(previous_usage.total_key_feature_uses, 0) as previous_total_key_feature_uses

    from periods
    left join monthly_usage as current_usage
        on periods.customer_id = current_usage.customer_id
            and periods.month = current_usage.month
    left join monthly_usage as previous_usage
        on periods.customer_id = previous_usage.customer_id
            and previous_usage.month = {{ add_months('periods.month', -1) }}
    left join active_flags
        on periods.customer_id = active_flags.customer_id
            and periods.month = active_flags.month

),

averaged as (

    select
        *,
        cast(active_user_days as double) / days_in_period as avg_active_users,
        cast(total_sessions as double) / days_in_period as avg_sessions,
        cast(total_events as double) / days_in_period as avg_events,
        cast(total_key_feature_uses as double) / days_in_period as avg_key_feature_uses,
        cast(previous_active_user_days as double) / days_in_previous_month as previous_avg_active_users,
        cast(previous_total_sessions as double) / days_in_previous_month as previous_avg_sessions,
        cast(previous_total_events as double) / days_in_previous_month as previous_avg_events,
        cast(previous_total_key_feature_uses as double) / days_in_previous_month as previous_avg_key_feature_uses

    from combined

)

select
    cast(customer_id || '|' || cast(month as string) as string) as customer_usage_month_id,
    cast(customer_id as string) as customer_id,
    cast(month as date) as month,
    cast(is_active as boolean) as is_active,
    cast(days_in_period as integer) as days_in_period,
    cast(days_with_usage as integer) as days_with_usage,
    cast(active_user_days as bigint) as active_user_days,
    cast(total_sessions as bigint) as total_sessions,
    cast(total_events as bigint) as total_events,
    cast(total_key_feature_uses as bigint) as total_key_feature_uses,
    cast(avg_active_users as double) as avg_active_users,
    cast(avg_sessions as double) as avg_sessions,
    cast(avg_events as double) as avg_events,
    cast(avg_key_feature_uses as double) as avg_key_feature_uses,
    cast(previous_avg_active_users as double) as previous_avg_active_users,
    cast(avg_active_users - previous_avg_active_users as double) as avg_active_users_change,
    cast(
        (avg_active_users - previous_avg_active_users) / nullif(previous_avg_active_users, 0) as double
    ) as avg_active_users_change_rate,
    cast(previous_avg_sessions as double) as previous_avg_sessions,
    cast(avg_sessions - previous_avg_sessions as double) as avg_sessions_change,
    cast((avg_sessions - previous_avg_sessions) / nullif(previous_avg_sessions, 0) as double) as avg_sessions_change_rate,
    cast(previous_avg_events as double) as previous_avg_events,
    cast(avg_events - previous_avg_events as double) as avg_events_change,
    cast((avg_events - previous_avg_events) / nullif(previous_avg_events, 0) as double) as avg_events_change_rate,
    cast(previous_avg_key_feature_uses as double) as previous_avg_key_feature_uses,
    cast(avg_key_feature_uses - previous_avg_key_feature_uses as double) as avg_key_feature_uses_change,
    cast(
        (avg_key_feature_uses - previous_avg_key_feature_uses) / nullif(previous_avg_key_feature_uses, 0) as double
    ) as avg_key_feature_uses_change_rate,
    -- compared on integer totals cross-multiplied by the day counts, so the threshold is exact
    cast(
        previous_active_user_days > 0
        and cast(active_user_days as double) * days_in_previous_month
        <= (1 - {{ drop_threshold }}) * cast(previous_active_user_days as double) * days_in_period
        as boolean
    ) as is_usage_drop

from averaged
