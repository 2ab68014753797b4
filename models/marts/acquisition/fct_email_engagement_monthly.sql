-- E-mail engagement by month and campaign: contacts sent, delivered, opening, clicking,
-- unsubscribing, bouncing; rates over the contacts delivered to (so they stay within 0..1).
-- Incremental: month M counts the events of month M alone, so a run rebuilds the months from the
-- earliest one anything upstream changed (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}
with

events as (

    select * from {{ ref('stg_crm__email_events') }}

),

contact_campaign_months as (

    select
        {{ month_of('events.occurred_at') }} as month,
        coalesce(events.campaign_id, '(none)') as campaign_id,
        events.contact_id,
        max(case when events.event_type = 'sent' then 1 else 0 end) as was_sent,
        max(case when events.event_type = 'delivered' then 1 else 0 end) as was_delivered,
        max(case when events.event_type = 'open' then 1 else 0 end) as opened,
        max(case when events.event_type = 'click' then 1 else 0 end) as clicked,
        max(case when events.event_type = 'unsubscribe' then 1 else 0 end) as unsubscribed,
        max(case when events.event_type = 'bounce' then 1 else 0 end) as bounced

    from events
    where events.occurred_at < {{ reporting_window_bound('as_of_ts') }}
        and {{ incremental_months_since('events.occurred_at', 'lineage') }}
    group by {{ month_of('events.occurred_at') }}, coalesce(events.campaign_id, '(none)'), events.contact_id

),

totals as (

    select
        month,
        campaign_id,
        sum(was_sent) as sent,
        sum(was_delivered) as delivered,
        sum(opened) as opens,
        sum(clicked) as clicks,
        sum(unsubscribed) as unsubscribes,
        sum(bounced) as bounces,
        sum(was_sent * was_delivered) as sent_and_delivered,
        sum(was_delivered * opened) as delivered_and_opened,
        sum(was_delivered * clicked) as delivered_and_clicked,
        sum(opened * clicked) as opened_and_clicked,
        sum(was_delivered * unsubscribed) as delivered_and_unsubscribed

    from contact_campaign_months
    group by month, campaign_id

)

select
    cast(cast(month as string) || '|' || campaign_id as string) as email_month_id,
    cast(month as date) as month,
    cast(campaign_id as string) as campaign_id,
    cast(sent as bigint) as sent,
    cast(delivered as bigint) as delivered,
    cast(opens as bigint) as opens,
    cast(clicks as bigint) as clicks,
    cast(unsubscribes as bigint) as unsubscribes,
    cast(bounces as bigint) as bounces,
    cast(sent_and_delivered / nullif(sent, 0) as double) as delivery_rate,
    cast(delivered_and_opened / nullif(delivered, 0) as double) as open_rate,
    cast(delivered_and_clicked / nullif(delivered, 0) as double) as click_rate,
    cast(opened_and_clicked / nullif(opens, 0) as double) as click_to_open_rate,
    cast(delivered_and_unsubscribed / nullif(delivered, 0) as double) as unsubscribe_rate

from totals
