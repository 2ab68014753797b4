{{ config(lineage_through=['fct_touchpoints'], **incremental_config('month', 'lineage')) }}

-- Unique visitors by month and first-touch channel, for fct_funnel_monthly: a cookie counts once
-- in each month it had a session in, under the channel of its earliest session (by time, then
-- touchpoint id). Month M depends only on sessions before the end of M (a cookie's earliest
-- session is at or before any of its sessions), so an incremental run rebuilds the months from the
-- earliest session delivered or replaced (and the old as_of, when it moved), and looks up the first
-- touch of those months' cookies only. It reads no stitched contact, so the lineage is walked
-- through fct_touchpoints to the sessions (macros/incremental.sql, lineage_through).
{%- set months_filter = incremental_months_filter('month', 'lineage') %}
{%- set rebuilt_sessions_filter = incremental_months_filter('rebuilt.touch_month', 'lineage') %}

with

-- every session of the cookies to count: all of them in a full build; in an incremental run, those
-- of the cookies with a session in a rebuilt month, whatever month their other sessions fall in
touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    {%- if months_filter | trim != 'true' %}
    where anonymous_id in (
        select rebuilt.anonymous_id
        from {{ ref('fct_touchpoints') }} as rebuilt
        where {{ rebuilt_sessions_filter }}
    )
    {%- endif %}

),

-- each cookie-month once, with the channel of the cookie's earliest session: one sort of the
-- sessions by cookie, instead of grouping them twice (by cookie-month, and by cookie for the first
-- touch) and joining the two, which took 27 s instead of 19 s on 37 million sessions
visitor_months as (

    select distinct
        anonymous_id,
        touch_month as month,
        first_value(channel) over (
            partition by anonymous_id
            order by touched_at asc nulls last, touchpoint_id asc nulls last
        ) as first_touch_channel

    from touchpoints

)

select
    cast(month as date) as month,
    cast(first_touch_channel as string) as channel,
    cast(count(*) as bigint) as unique_visitors

from visitor_months
where {{ months_filter }}
group by month, first_touch_channel
