-- A table: four marts read it; as a view each would classify the tag combinations of every
-- session again.
{{ config(materialized='table') }}

-- Ad spend up to as_of with its channel and its amount in USD at the month's rate. Rows with
-- utm_medium go through the channel rules (no referrer); rows without take their platform's
-- channel (seed channel_lists, platform matched case-insensitively), else `other`.
with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

channels as (

    select * from {{ ref('int_channel_tag_combinations') }}

),

channel_lists as (

    select * from {{ ref('channel_lists') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

spend_in_window as (

    select ad_spend.*

    from ad_spend
    cross join reporting_window
    where ad_spend.spend_date <= reporting_window.as_of_date

),

with_channels as (

    select
        spend_in_window.*,
        {{ month_of('spend_in_window.spend_date') }} as spend_month,
        case
            when spend_in_window.utm_medium is null then coalesce(platforms.channel, 'other')
            else channels.channel
        end as channel

    from spend_in_window
    left join channels
        on spend_in_window.utm_medium || '|' || coalesce(spend_in_window.utm_source, '') || '|'
            = channels.tag_combination_id
    left join channel_lists as platforms
        on platforms.list_name = 'platform'
            and spend_in_window.platform = platforms.value

)

select
    with_channels.ad_spend_id,
    with_channels.spend_date,
    with_channels.spend_month,
    with_channels.platform,
    with_channels.campaign_id,
    with_channels.utm_source,
    with_channels.utm_medium,
    with_channels.utm_campaign,
    with_channels.channel,
    with_channels.currency,
    with_channels.spend_local,
    {{ to_usd('with_channels.spend_local', required_fx_rate('fx_rates.usd_per_unit', 'with_channels.currency')) }}
        as spend

from with_channels
left join fx_rates
    on with_channels.currency = fx_rates.currency
        and with_channels.spend_month = fx_rates.month
