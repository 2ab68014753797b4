-- saas_kpis_monthly repeats fct_mrr_monthly exactly, and its spend and NPS columns equal the
-- marts they summarise.
with

kpis as (

    select * from {{ ref('saas_kpis_monthly') }}

),

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

cac as (

    select
        month,
        sum(spend) as spend

    from {{ ref('fct_cac_by_channel') }}
    where attribution_model = 'first_touch'
    group by month

),

nps as (

    select * from {{ ref('fct_nps_monthly') }}

),

compared as (

    select
        monthly.month,
        kpis.month is null
        or kpis.ending_mrr != monthly.ending_mrr
        or kpis.new_mrr != monthly.new_mrr
        or kpis.churned_mrr != monthly.churned_mrr
        or kpis.fx_mrr != monthly.fx_mrr
        or kpis.ending_customers != monthly.ending_customers
        or kpis.new_customers != monthly.new_customers
        or kpis.churned_customers != monthly.churned_customers
        or coalesce(kpis.customer_churn_rate, -1) != coalesce(monthly.customer_churn_rate, -1)
        or coalesce(kpis.net_revenue_retention_12m, -1) != coalesce(monthly.net_revenue_retention_12m, -1)
        or abs(kpis.ad_spend - coalesce(cac.spend, 0)) > 0.01
        or coalesce(kpis.nps, -1000) != coalesce(nps.nps, -1000) as is_different

    from monthly
    left join kpis
        on monthly.month = kpis.month
    left join cac
        on monthly.month = cac.month
    left join nps
        on monthly.month = nps.month

)

select * from compared
where is_different
