-- saas_kpis_monthly repeats every column of fct_mrr_monthly exactly, its spend and NPS columns
-- equal the marts they summarise, and its CAC, LTV-to-CAC and payback are the ratios metrics.md
-- defines of the columns beside them.
{%- set mrr_columns = adapter.get_columns_in_relation(ref('fct_mrr_monthly')) | map(attribute='name') | list %}
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
        {%- for column in mrr_columns if column != 'month' %}
        or kpis.{{ column }} is distinct from monthly.{{ column }}
        {%- endfor %}
        or abs(kpis.ad_spend - coalesce(cac.spend, 0)) > 0.01
        or coalesce(kpis.nps, -1000) != coalesce(nps.nps, -1000)
        or {{ ratio_differs('kpis.blended_cac', 'kpis.ad_spend + kpis.sales_marketing_expenses', 'kpis.new_customers') }}
        or {{ ratio_differs('kpis.ltv_to_cac', 'kpis.ltv', 'kpis.blended_cac') }}
        or {{ ratio_differs(
            'kpis.cac_payback_months',
            'kpis.blended_cac',
            divide('kpis.new_mrr', 'kpis.new_customers') ~ ' * kpis.gross_margin'
        ) }} as is_different

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
