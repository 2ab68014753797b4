-- Per month, channel and attribution model: ad spend (USD), attributed new customers (sum of
-- credits, fractional), attributed new MRR, and CAC = spend / new_customers. One row for every
-- (month, channel) with spend or credit in any model, in every model; cac is null only when
-- new_customers is 0.
with

spend as (

    select * from {{ ref('int_ad_spend_usd') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}

),

spend_by_channel as (

    select
        spend_month as month,
        channel,
        sum(spend) as spend

    from spend
    group by spend_month, channel

),

credit_by_channel as (

    select
        conversion_month as month,
        channel,
        attribution_model,
        {{ stable_sum("credit") }} as new_customers,
        {{ stable_sum("attributed_new_mrr", 6) }} as new_mrr

    from attribution
    group by conversion_month, channel, attribution_model

),

models as (

    select distinct attribution_model from attribution
    union
    {{ attribution_models() }}

),

-- the (month, channel) cells with spend or credit in any model; each gets a row in every model, a
-- model that credits nothing there included (spend and credit 0: edge rule 1 allows leaving it out),
-- so that an average over the models (metric attributed_customers) divides by all of them
month_channels as (

    select
        month,
        channel
    from spend_by_channel
    where spend <> 0
    union
    select
        month,
        channel
    from credit_by_channel
    where new_customers <> 0

),

grid as (

    select
        month_channels.month,
        month_channels.channel,
        models.attribution_model

    from month_channels
    cross join models

),

combined as (

    select
        grid.month,
        grid.channel,
        grid.attribution_model,
        coalesce(spend_by_channel.spend, 0) as spend,
        coalesce(credit_by_channel.new_customers, 0) as new_customers,
        coalesce(credit_by_channel.new_mrr, 0) as new_mrr

    from grid
    left join spend_by_channel
        on grid.month = spend_by_channel.month
            and grid.channel = spend_by_channel.channel
    left join credit_by_channel
        on grid.month = credit_by_channel.month
            and grid.channel = credit_by_channel.channel
            and grid.attribution_model = credit_by_channel.attribution_model

)

select
    cast(cast(month as string) || '|' || channel || '|' || attribution_model as string) as cac_id,
    cast(month as date) as month,
    cast(channel as string) as channel,
    cast(attribution_model as string) as attribution_model,
    cast(spend as decimal(38, 6)) as spend,
    cast(new_customers as double) as new_customers,
    cast(new_mrr as double) as new_mrr,
    cast({{ divide('spend', 'new_customers') }} as double) as cac

from combined
