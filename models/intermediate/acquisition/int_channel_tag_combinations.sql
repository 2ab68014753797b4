-- A table: its few hundred rows come from a scan of every session, which as a view each reader
-- (touchpoints and, through ad spend, the CAC marts and KPIs) would repeat.
{{ config(materialized='table') }}

-- The channel of every distinct (utm_medium, utm_source, referrer_domain) seen on a session or an
-- ad spend row: the rules run once per combination, not once per row.
with

sessions as (

    select * from {{ ref('stg_web__sessions') }}

),

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

channel_lists as (

    select * from {{ ref('channel_lists') }}

),

combinations as (

    select distinct
        utm_medium,
        utm_source,
        referrer_domain

    from sessions

    union

    select distinct
        utm_medium,
        utm_source,
        cast(null as string) as referrer_domain

    from ad_spend
    where utm_medium is not null

),

classified as (

    select
        utm_medium,
        utm_source,
        referrer_domain,
        {{ channel_from_tags('utm_medium', 'utm_source', 'referrer_domain', 'channel_lists') }} as channel

    from combinations

)

select
    coalesce(utm_medium, '') || '|' || coalesce(utm_source, '') || '|' || coalesce(referrer_domain, '')
        as tag_combination_id,
    utm_medium,
    utm_source,
    referrer_domain,
    channel

from classified
