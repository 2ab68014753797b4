-- The funnel by month and first-touch channel: unique visitors, then contacts entering each
-- stage for the first time in the month, and, of those, the share that went on to a later stage
-- (by as_of) with the median days it took (cohort-based).
with

stages as (

    select * from {{ ref('int_funnel_contact_stages') }}

),

visitors as (

    select * from {{ ref('int_funnel_visitors_monthly') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

-- a contact's channel is that of its first touchpoint (by time, then touchpoint id); 'direct'
-- for a contact without one
first_touch as (

    select
        contact_id,
        {{ first_by('channel', ['touched_at', 'touchpoint_id']) }} as first_touch_channel

    from touchpoints
    where contact_id is not null
    group by contact_id

),

stage_cohorts as (

    select
        stages.entered_month as month,
        coalesce(first_touch.first_touch_channel, 'direct') as channel,
        stages.funnel_stage,
        count(*) as entered,
        count(stages.next_stage_at) as advanced,
        median({{ divide(seconds_between('stages.entered_at', 'stages.next_stage_at'), '86400') }})
            as median_days_to_advance

    from stages
    left join first_touch
        on stages.contact_id = first_touch.contact_id
    group by stages.entered_month, coalesce(first_touch.first_touch_channel, 'direct'), stages.funnel_stage

),

grid as (

    select
        month,
        channel
    from visitors
    union
    select
        month,
        channel
    from stage_cohorts

),

pivoted as (

    select
        grid.month,
        grid.channel,
        coalesce(max(visitors.unique_visitors), 0) as unique_visitors,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'contact' then stage_cohorts.entered end), 0)
            as contact_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'contact' then stage_cohorts.advanced end), 0)
            as contact_advanced,
        max(case when stage_cohorts.funnel_stage = 'contact' then stage_cohorts.median_days_to_advance end)
            as contact_median_days,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'lead' then stage_cohorts.entered end), 0)
            as lead_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'lead' then stage_cohorts.advanced end), 0)
            as lead_advanced,
        max(case when stage_cohorts.funnel_stage = 'lead' then stage_cohorts.median_days_to_advance end)
            as lead_median_days,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'mql' then stage_cohorts.entered end), 0)
            as mql_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'mql' then stage_cohorts.advanced end), 0)
            as mql_advanced,
        max(case when stage_cohorts.funnel_stage = 'mql' then stage_cohorts.median_days_to_advance end)
            as mql_median_days,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'sql' then stage_cohorts.entered end), 0)
            as sql_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'sql' then stage_cohorts.advanced end), 0)
            as sql_advanced,
        max(case when stage_cohorts.funnel_stage = 'sql' then stage_cohorts.median_days_to_advance end)
            as sql_median_days,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'opportunity' then stage_cohorts.entered end), 0)
            as opportunity_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'opportunity' then stage_cohorts.advanced end), 0)
            as opportunity_advanced,
        max(case when stage_cohorts.funnel_stage = 'opportunity' then stage_cohorts.median_days_to_advance end)
            as opportunity_median_days,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'customer' then stage_cohorts.entered end), 0)
            as customer_entered,
        coalesce(sum(case when stage_cohorts.funnel_stage = 'customer' then stage_cohorts.advanced end), 0)
            as customer_advanced,
        max(case when stage_cohorts.funnel_stage = 'customer' then stage_cohorts.median_days_to_advance end)
            as customer_median_days

    from grid
    left join visitors
        on grid.month = visitors.month
            and grid.channel = visitors.channel
    left join stage_cohorts
        on grid.month = stage_cohorts.month
            and grid.channel = stage_cohorts.channel
    group by grid.month, grid.channel

)

select
    cast(cast(month as string) || '|' || channel as string) as funnel_month_id,
    cast(month as date) as month,
    cast(channel as string) as channel,
    cast(unique_visitors as bigint) as unique_visitors,
    cast(contact_entered as bigint) as new_contacts,
    cast(lead_entered as bigint) as new_leads,
    cast(mql_entered as bigint) as new_mqls,
    cast(sql_entered as bigint) as new_sqls,
    cast(opportunity_entered as bigint) as new_opportunities,
    cast(customer_entered as bigint) as new_customers,
    cast(contact_advanced / nullif(contact_entered, 0) as double) as contact_to_lead_rate,
    cast(lead_advanced / nullif(lead_entered, 0) as double) as lead_to_mql_rate,
    cast(mql_advanced / nullif(mql_entered, 0) as double) as mql_to_sql_rate,
    cast(sql_advanced / nullif(sql_entered, 0) as double) as sql_to_opportunity_rate,
    cast(opportunity_advanced / nullif(opportunity_entered, 0) as double) as opportunity_to_customer_rate,
    cast(contact_median_days as double) as median_days_contact_to_lead,
    cast(lead_median_days as double) as median_days_lead_to_mql,
    cast(mql_median_days as double) as median_days_mql_to_sql,
    cast(sql_median_days as double) as median_days_sql_to_opportunity,
    cast(opportunity_median_days as double) as median_days_opportunity_to_customer

from pivoted
