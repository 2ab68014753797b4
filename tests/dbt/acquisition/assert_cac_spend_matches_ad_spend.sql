-- Per month and attribution model, spend summed over the channels of fct_cac_by_channel equals
-- the month's total USD ad spend in int_ad_spend_usd (within 0.01): every spend row lands in
-- exactly one channel, in every model.
with

ad_spend as (

    select * from {{ ref('int_ad_spend_usd') }}

),

cac as (

    select * from {{ ref('fct_cac_by_channel') }}

),

models as (

    {{ attribution_models() }}
    union
    select distinct attribution_model from cac

),

monthly_spend as (

    select
        spend_month as month,
        sum(spend) as spend

    from ad_spend
    group by spend_month

),

channel_spend as (

    select
        month,
        attribution_model,
        sum(spend) as spend

    from cac
    group by month, attribution_model

),

months as (

    select month from monthly_spend
    union
    select month from channel_spend

),

checked as (

    select
        months.month,
        models.attribution_model,
        coalesce(monthly_spend.spend, 0) as ad_spend,
        coalesce(channel_spend.spend, 0) as channel_spend

    from months
    cross join models
    left join monthly_spend
        on months.month = monthly_spend.month
    left join channel_spend
        on months.month = channel_spend.month
            and models.attribution_model = channel_spend.attribution_model

)

select * from checked
where abs(channel_spend - ad_spend) > 0.01
