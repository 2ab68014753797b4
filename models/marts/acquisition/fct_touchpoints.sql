{{ config(**incremental_config('touch_month', 'sessions', row_key='touchpoint_id')) }}

-- Every web session before as_of_ts with its resolved contact (identity stitching), the
-- contact's company, its channel and its campaign tags.
with

-- an incremental run rebuilds only the sessions its new raw data can have changed, in the months they
-- fall in (whole months on Spark; macros/incremental.sql). Filtered here, before the joins below: the
-- warehouse does not move a filter on a subquery below a left join, so at the end it would join the
-- company and the channel of every session of those months first.
sessions as (

    select * from {{ ref('int_sessions_stitched') }}
    where {{ incremental_months_filter('session_month', 'sessions') }}
        and {{ incremental_months_since('started_at', 'sessions') }}
        and {{ incremental_rows_filter('session_id', 'sessions') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

channels as (

    select * from {{ ref('int_channel_tag_combinations') }}

)

select
    cast(sessions.session_id as string) as touchpoint_id,
    cast(sessions.anonymous_id as string) as anonymous_id,
    cast(sessions.contact_id as string) as contact_id,
    cast(contacts.company_id as string) as company_id,
    cast(sessions.is_stitched as boolean) as is_stitched,
    cast(sessions.started_at as timestamp) as touched_at,
    cast({{ month_of('sessions.started_at') }} as date) as touch_month,
    cast(channels.channel as string) as channel,
    cast(sessions.utm_source as string) as utm_source,
    cast(sessions.utm_medium as string) as utm_medium,
    cast(sessions.utm_campaign as string) as utm_campaign,
    cast(sessions.referrer_domain as string) as referrer_domain,
    cast(sessions.landing_page as string) as landing_page,
    cast(sessions.pageviews as integer) as pageviews

from sessions
left join contacts
    on sessions.contact_id = contacts.contact_id
left join channels
    on coalesce(sessions.utm_medium, '') || '|' || coalesce(sessions.utm_source, '') || '|'
        || coalesce(sessions.referrer_domain, '') = channels.tag_combination_id
