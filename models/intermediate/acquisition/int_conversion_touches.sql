{{ config(materialized='table') }}

-- The touches of each conversion: sessions of any contact of the customer's company that started
-- within [converted_at - lookback_days, converted_at], both ends inclusive, numbered in order of
-- (started_at, session_id), with n (touches of the conversion) and the time-decay weight.
with

conversions as (

    select * from {{ ref('int_conversions') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

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
            and touchpoints.touched_at >= conversions.converted_at - interval {{ var('lookback_days') | int }} day
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
