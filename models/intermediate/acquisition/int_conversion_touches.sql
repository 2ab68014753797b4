-- The touches of each conversion: sessions of any contact of the customer's company that started
-- within [converted_at - lookback_days, converted_at], both ends inclusive, numbered in order of
-- (started_at, session_id), with n (touches of the conversion) and the time-decay weight.
-- Incremental: a conversion's touches are sessions before it, so a run rebuilds the conversion
-- months from the earliest one its inputs changed (macros/incremental.sql, domain lineage), and
-- reads the touchpoints from lookback_days before that month on.
{{ config(**incremental_config('conversion_month', 'lineage')) }}
{%- set lookback_days = var('lookback_days') | int %}

with

conversions as (

    select * from {{ ref('int_conversions') }}
    where {{ incremental_months_filter('conversion_month', 'lineage') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    -- lookback_days reach back at most lookback_days // 28 + 1 months before the conversion month
    where {{ incremental_months_since('touch_month', 'lineage', lookback_days // 28 + 1) }}

),

touches as (

    select
        conversions.customer_id,
        conversions.converted_at,
        conversions.conversion_month,
        conversions.conversion_value,
        touchpoints.touchpoint_id,
        touchpoints.touched_at,
        touchpoints.channel,
        touchpoints.utm_campaign

    from conversions
    inner join touchpoints
        on conversions.company_id = touchpoints.company_id
            and touchpoints.touched_at >= conversions.converted_at - interval {{ lookback_days }} day
            and conversions.converted_at >= touchpoints.touched_at

)

select
    customer_id,
    converted_at,
    conversion_month,
    conversion_value,
    touchpoint_id,
    touched_at,
    channel,
    utm_campaign,
    row_number() over (
        partition by customer_id, converted_at order by touched_at, touchpoint_id
    ) as touch_number,
    count(*) over (partition by customer_id, converted_at) as touch_count,
    -- 2^(-(converted_at - started_at) / 7 days)
    power(2.0, -({{ epoch_seconds('converted_at') }} - {{ epoch_seconds('touched_at') }}) / (7.0 * 86400.0)) as time_decay_weight

from touches
