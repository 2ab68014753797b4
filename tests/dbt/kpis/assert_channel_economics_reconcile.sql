-- fct_channel_economics against the marts it summarises, and its derived columns against their
-- definitions (_kpis__models.yml):
--   each channel: customers, new_mrr, churn_movements and active_customer_months are those of the
--   conversions whose first-touch credit is in the channel, spend is the channel's ad spend;
--   totals over the channels, apart from attribution: customers and new_mrr are the conversions (new movements) with a
--   first-touch credit and their MRR; churn_movements and active_customer_months are those
--   customers' churn movements and month ends before the as_of month at which they were active;
--   spend is all ad spend (int_ad_spend_usd); every row's gross_margin is the as_of month's;
--   each row: arpa = new_mrr / customers, monthly_churn_rate = churn_movements /
--   active_customer_months, ltv = arpa x gross_margin / monthly_churn_rate, cac = spend /
--   customers, ltv_to_cac = ltv / cac, cac_payback_months = cac / (arpa x gross_margin).
-- Failing rows name the check and the channel ('all channels' for a total).
with

economics as (

    select * from {{ ref('fct_channel_economics') }}

),

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

first_touches as (

    select
        customer_id,
        channel,
        conversion_value

    from attribution
    where attribution_model = 'first_touch'

),

first_touch_customers as (

    select distinct customer_id from first_touches

),

customer_churns as (

    select
        customer_id,
        count(*) as churn_movements

    from movements
    where movement_type = 'churn'
    group by customer_id

),

customer_exposure as (

    select
        customer_months.customer_id,
        count(*) as active_customer_months

    from customer_months
    cross join reporting_window
    where customer_months.is_active
        and customer_months.month < reporting_window.as_of_month
    group by customer_months.customer_id

),

channel_expected as (

    select
        first_touches.channel,
        count(*) as customers,
        sum(first_touches.conversion_value) as new_mrr,
        coalesce(sum(customer_churns.churn_movements), 0) as churn_movements,
        coalesce(sum(customer_exposure.active_customer_months), 0) as active_customer_months

    from first_touches
    left join customer_churns
        on first_touches.customer_id = customer_churns.customer_id
    left join customer_exposure
        on first_touches.customer_id = customer_exposure.customer_id
    group by first_touches.channel

),

channel_spend as (

    select
        channel,
        sum(spend) as spend

    from ad_spend
    group by channel

),

channel_failures as (

    select
        case
            when economics.channel is null then 'a channel with conversions or spend is missing'
            when economics.customers <> coalesce(channel_expected.customers, 0)
                then 'customers <> first-touch conversions of the channel'
            when abs(economics.new_mrr - coalesce(channel_expected.new_mrr, 0)) > 0.00001
                then 'new_mrr <> first-touch conversion value of the channel'
            when economics.churn_movements <> coalesce(channel_expected.churn_movements, 0)
                then 'churn_movements <> churns of the channel''s customers'
            when economics.active_customer_months <> coalesce(channel_expected.active_customer_months, 0)
                then 'active_customer_months <> active month ends of the channel''s customers'
            when abs(economics.spend - coalesce(channel_spend.spend, 0)) > 0.00001
                then 'spend <> ad spend of the channel'
        end as failure,
        coalesce(economics.channel, channel_expected.channel, channel_spend.channel) as channel

    from economics
    full outer join channel_expected
        on economics.channel = channel_expected.channel
    full outer join channel_spend
        on coalesce(economics.channel, channel_expected.channel) = channel_spend.channel

),

conversions as (

    select
        count(*) as customers,
        sum(movements.mrr_change) as new_mrr

    from movements
    where movements.movement_type = 'new'
        and movements.customer_id in (select first_touch_customers.customer_id from first_touch_customers)

),

-- each first-touch customer once, whatever its attribution rows: a customer credited in two
-- channels would count twice in the channels' sums
churns as (

    select coalesce(sum(customer_churns.churn_movements), 0) as churn_movements

    from first_touch_customers
    inner join customer_churns
        on first_touch_customers.customer_id = customer_churns.customer_id

),

exposure as (

    select coalesce(sum(customer_exposure.active_customer_months), 0) as active_customer_months

    from first_touch_customers
    inner join customer_exposure
        on first_touch_customers.customer_id = customer_exposure.customer_id

),

spend as (

    select coalesce(sum(spend), 0) as spend from ad_spend

),

as_of_margin as (

    select max(gross_margins.gross_margin) as gross_margin

    from reporting_window
    left join gross_margins
        on reporting_window.as_of_month = gross_margins.month

),

totals as (

    select
        coalesce(sum(customers), 0) as customers,
        coalesce(sum(new_mrr), 0) as new_mrr,
        coalesce(sum(churn_movements), 0) as churn_movements,
        coalesce(sum(active_customer_months), 0) as active_customer_months,
        coalesce(sum(spend), 0) as spend

    from economics

),

total_failures as (

    select
        'customers <> first-touch conversions' as failure,
        'all channels' as channel
    from totals cross join conversions
    where totals.customers <> conversions.customers

    union all

    select
        'new_mrr <> first-touch conversions'' new MRR' as failure,
        'all channels' as channel
    from totals cross join conversions
    where abs(totals.new_mrr - coalesce(conversions.new_mrr, 0)) > 0.00001

    union all

    select
        'churn_movements <> churn movements of first-touch customers' as failure,
        'all channels' as channel
    from totals cross join churns
    where totals.churn_movements <> churns.churn_movements

    union all

    select
        'active_customer_months <> active month ends before the as_of month' as failure,
        'all channels' as channel
    from totals cross join exposure
    where totals.active_customer_months <> exposure.active_customer_months

    union all

    select
        'spend <> int_ad_spend_usd' as failure,
        'all channels' as channel
    from totals cross join spend
    where abs(totals.spend - spend.spend) > 0.00001

),

row_failures as (

    select
        case
            when (economics.gross_margin is null) <> (as_of_margin.gross_margin is null)
                or abs(economics.gross_margin - as_of_margin.gross_margin) > 1e-9
                then 'gross_margin <> the as_of month''s'
            when {{ ratio_differs('economics.arpa', 'economics.new_mrr', 'economics.customers') }}
                then 'arpa <> new_mrr / customers'
            when {{ ratio_differs(
                'economics.monthly_churn_rate', 'economics.churn_movements', 'economics.active_customer_months'
            ) }}
                then 'monthly_churn_rate <> churn_movements / active_customer_months'
            when {{ ratio_differs('economics.ltv', 'economics.arpa * economics.gross_margin', 'economics.monthly_churn_rate') }}
                then 'ltv <> arpa x gross_margin / monthly_churn_rate'
            when {{ ratio_differs('economics.cac', 'economics.spend', 'economics.customers') }}
                then 'cac <> spend / customers'
            when {{ ratio_differs('economics.ltv_to_cac', 'economics.ltv', 'economics.cac') }}
                then 'ltv_to_cac <> ltv / cac'
            when {{ ratio_differs('economics.cac_payback_months', 'economics.cac', 'economics.arpa * economics.gross_margin') }}
                then 'cac_payback_months <> cac / (arpa x gross_margin)'
        end as failure,
        economics.channel

    from economics
    cross join as_of_margin

)

select
    failure,
    channel
from total_failures
union all
select
    failure,
    channel
from channel_failures
where failure is not null
union all
select
    failure,
    channel
from row_failures
where failure is not null
