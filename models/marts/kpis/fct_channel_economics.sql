-- Unit economics per first-touch channel over the whole history up to as_of: the customers the
-- channel brought (first-touch credits), their average starting MRR, their monthly logo churn,
-- LTV = arpa x gross margin / churn, CAC = the channel's ad spend / customers, LTV:CAC and payback.
with

attribution as (

    select * from {{ ref('fct_attribution') }}

),

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}

),

ad_spend as (

    select * from {{ ref('int_ad_spend_usd') }}

),

gross_margins as (

    select * from {{ ref('int_gross_margin_monthly') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

first_touch_customers as (

    select
        customer_id,
        channel,
        conversion_value

    from attribution
    where attribution_model = 'first_touch'

),

channel_customers as (

    select
        channel,
        count(*) as customers,
        sum(conversion_value) as new_mrr

    from first_touch_customers
    group by channel

),

channel_churn as (

    select
        first_touch_customers.channel,
        count(case when movements.movement_type = 'churn' then 1 end) as churn_movements

    from first_touch_customers
    inner join movements
        on first_touch_customers.customer_id = movements.customer_id
    group by first_touch_customers.channel

),

-- customer-months at risk: months a customer started active (active at the end of the month before)
channel_exposure as (

    select
        first_touch_customers.channel,
        count(*) as active_customer_months

    from first_touch_customers
    inner join customer_months
        on first_touch_customers.customer_id = customer_months.customer_id
    cross join reporting_window
    where customer_months.is_active
        and customer_months.month < reporting_window.as_of_month

    group by first_touch_customers.channel

),

channel_spend as (

    select
        channel,
        sum(spend) as spend

    from ad_spend
    group by channel

),

latest_gross_margin as (

    select max(gross_margins.gross_margin) as gross_margin

    from reporting_window
    left join gross_margins
        on reporting_window.as_of_month = gross_margins.month

),

channels as (

    select channel from channel_customers
    union
    select channel from channel_spend

),

combined as (

    select
        channels.channel,
        coalesce(channel_customers.customers, 0) as customers,
        coalesce(channel_customers.new_mrr, 0) as new_mrr,
        coalesce(channel_spend.spend, 0) as spend,
        coalesce(channel_churn.churn_movements, 0) as churn_movements,
        coalesce(channel_exposure.active_customer_months, 0) as active_customer_months,
        latest_gross_margin.gross_margin

    from channels
    left join channel_customers
        on channels.channel = channel_customers.channel
    left join channel_spend
        on channels.channel = channel_spend.channel
    left join channel_churn
        on channels.channel = channel_churn.channel
    left join channel_exposure
        on channels.channel = channel_exposure.channel
    cross join latest_gross_margin

),

economics as (

    select
        *,
        {{ divide('new_mrr', 'customers') }} as arpa,
        {{ divide('churn_movements', 'active_customer_months') }} as monthly_churn_rate,
        case when customers > 0 then {{ divide('spend', 'customers') }} end as cac

    from combined

),

with_ltv as (

    select
        *,
        arpa * gross_margin / nullif(monthly_churn_rate, 0) as ltv

    from economics

)

select
    cast(channel as string) as channel,
    cast(customers as bigint) as customers,
    cast(new_mrr as decimal(38, 6)) as new_mrr,
    cast(arpa as double) as arpa,
    cast(churn_movements as bigint) as churn_movements,
    cast(active_customer_months as bigint) as active_customer_months,
    cast(monthly_churn_rate as double) as monthly_churn_rate,
    cast(gross_margin as double) as gross_margin,
    cast(ltv as double) as ltv,
    cast(spend as decimal(38, 6)) as spend,
    cast(cac as double) as cac,
    cast(ltv / nullif(cac, 0) as double) as ltv_to_cac,
    cast(cac / nullif(arpa * gross_margin, 0) as double) as cac_payback_months

from with_ltv
