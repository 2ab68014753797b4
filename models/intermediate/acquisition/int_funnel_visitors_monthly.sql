{{ config(lineage_through=['fct_touchpoints'], **incremental_config('month', 'lineage')) }}

-- Unique visitors by month and first-touch channel, for fct_funnel_monthly: a cookie counts once
-- in each month it had a session in, under the channel of its earliest session (by time, then
-- touchpoint id). Month M depends only on sessions before the end of M (a cookie's earliest
-- session is at or before any of its sessions), so an incremental run rebuilds the months from the
-- earliest session delivered or replaced (and the old as_of, when it moved), and looks up the first
-- touch of those months' cookies only. It reads no stitched contact, so the lineage is walked
-- through fct_touchpoints to the sessions (macros/incremental.sql, lineage_through).
{%- set months_filter = incremental_months_filter('touch_month', 'lineage') %}

with

-- the months each cookie visited in, read apart from `touchpoints`: DuckDB stores a CTE that is
-- read twice whole before either reader runs, a copy of every touchpoint
visitor_months as (

    select distinct
        anonymous_id,
        touch_month as month

    from {{ ref('fct_touchpoints') }}
    where {{ months_filter }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    {%- if months_filter | trim != 'true' %}
    where anonymous_id in (select visitor_months.anonymous_id from visitor_months)
    {%- endif %}

),

visitor_channels as (

    select
        anonymous_id,
        {{ first_by('channel', ['touched_at', 'touchpoint_id']) }} as first_touch_channel

    from touchpoints
    group by anonymous_id

)

select
    cast(visitor_months.month as date) as month,
    cast(visitor_channels.first_touch_channel as string) as channel,
    cast(count(*) as bigint) as unique_visitors

from visitor_months
inner join visitor_channels
    on visitor_months.anonymous_id = visitor_channels.anonymous_id
group by visitor_months.month, visitor_channels.first_touch_channel
