-- As fct_cac_by_channel, by campaign: spend rows carrying a utm_campaign against the credit of
-- touches with the same utm_campaign, per month and attribution model. The campaign alone is the
-- key, not its channel: a spend row without utm_medium takes its platform's channel while the
-- campaign's sessions take theirs from medium, source and referrer, so the same campaign's spend
-- and touches can land in different channels, and keyed by channel its CAC would be split into
-- a spend-only row (cac null) and a credit-only row (cac 0).
with

spend as (

    select * from {{ ref('int_ad_spend_usd') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}

),

spend_by_campaign as (

    select
        spend_month as month,
        utm_campaign,
        sum(spend) as spend

    from spend
    where utm_campaign is not null
    group by spend_month, utm_campaign

),

credit_by_campaign as (

    select
        conversion_month as month,
        utm_campaign,
        attribution_model,
        {{ stable_sum("credit") }} as new_customers,
        {{ stable_sum("attributed_new_mrr", 6) }} as new_mrr

    from attribution
    where utm_campaign is not null
    group by conversion_month, utm_campaign, attribution_model

),

models as (

    {{ attribution_models() }}
    union
    select distinct attribution_model from attribution

),

-- the (month, campaign) cells with spend or credit in any model, each with a row in every model
-- (as in fct_cac_by_channel)
campaign_months as (

    select
        month,
        utm_campaign
    from spend_by_campaign
    where spend <> 0
    union
    select
        month,
        utm_campaign
    from credit_by_campaign
    where new_customers <> 0

),

combined as (

    select
        campaign_months.month,
        campaign_months.utm_campaign,
        models.attribution_model,
        coalesce(spend_by_campaign.spend, 0) as spend,
        coalesce(credit_by_campaign.new_customers, 0) as new_customers,
        coalesce(credit_by_campaign.new_mrr, 0) as new_mrr

    from campaign_months
    cross join models
    left join spend_by_campaign
        on campaign_months.month = spend_by_campaign.month
            and campaign_months.utm_campaign = spend_by_campaign.utm_campaign
    left join credit_by_campaign
        on campaign_months.month = credit_by_campaign.month
            and campaign_months.utm_campaign = credit_by_campaign.utm_campaign
            and models.attribution_model = credit_by_campaign.attribution_model

)

select
    cast(
        cast(month as string) || '|' || utm_campaign || '|' || attribution_model as string
    ) as cac_campaign_id,
    cast(month as date) as month,
    cast(utm_campaign as string) as utm_campaign,
    cast(attribution_model as string) as attribution_model,
    cast(spend as decimal(38, 6)) as spend,
    cast(new_customers as double) as new_customers,
    cast(new_mrr as double) as new_mrr,
    cast({{ divide('spend', 'new_customers') }} as double) as cac

from combined
