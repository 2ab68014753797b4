-- The one table a dashboard reads first: one row per month of fct_mrr_monthly with every MRR
-- column and the headline KPIs of metrics.md (spend, CAC, gross margin, LTV, payback, funnel,
-- trial, demo and NPS figures). Each column's formula is in _kpis__models.yml. Every rate that is
-- a ratio of counts (paid CAC, lead-to-customer, trial-to-paid, demo-to-paid, NPS) comes with its
-- numerator and denominator, so a coarser period's rate is the ratio of their sums. The lead,
-- demo and trial rates of recent months can still rise: is_lead_window_complete,
-- is_demo_window_complete and trials_in_progress say which.
with

mrr as (

    select * from {{ ref('fct_mrr_monthly') }}

),

ad_spend as (

    select * from {{ ref('int_ad_spend_usd') }}

),

expenses as (

    select * from {{ ref('int_operating_expenses_usd') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}

),

gross_margins as (

    select * from {{ ref('int_gross_margin_monthly') }}

),

funnel_visitors as (

    select * from {{ ref('int_funnel_visitors_monthly') }}

),

stages as (

    select * from {{ ref('int_funnel_contact_stages') }}

),

trials as (

    select * from {{ ref('fct_trials_monthly') }}

),

demos as (

    select * from {{ ref('fct_demos') }}

),

nps as (

    select * from {{ ref('fct_nps_monthly') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

spend_by_month as (

    select
        spend_month as month,
        sum(spend) as ad_spend

    from ad_spend
    group by spend_month

),

sales_marketing_by_month as (

    select
        month,
        sum(amount) as sales_marketing_expenses

    from expenses
    where department in ('sales', 'marketing')
    group by month

),

paid_first_touch_by_month as (

    select
        conversion_month as month,
        {{ stable_sum("credit") }} as paid_first_touch_customers

    from attribution
    where attribution_model = 'first_touch'
        and channel in ('paid_search', 'paid_social', 'display')
    group by conversion_month

),

-- distinct cookies with a session in the month: the funnel counts each once per month, under its
-- first-touch channel, so the month's sum over channels is that count
visitors_by_month as (

    select
        month,
        sum(unique_visitors) as unique_visitors

    from funnel_visitors
    group by month

),

stage_entries_by_month as (

    select
        entered_month as month,
        count(case when funnel_stage = 'lead' then 1 end) as new_leads,
        count(case when funnel_stage = 'mql' then 1 end) as new_mqls,
        count(case when funnel_stage = 'sql' then 1 end) as new_sqls

    from stages
    group by entered_month

),

-- of each month's new leads (counted in stage_entries_by_month), those that reached customer
lead_outcomes as (

    select
        leads.entered_month as month,
        count(
            case when customers.entered_at <= leads.entered_at + interval 180 day then 1 end
        ) as leads_to_customer_180d

    from stages as leads
    left join stages as customers
        on leads.contact_id = customers.contact_id
            and customers.funnel_stage = 'customer'
            and leads.entered_at <= customers.entered_at
    where leads.funnel_stage = 'lead'
    group by leads.entered_month

),

demos_by_month as (

    select
        held_month as month,
        count(*) as demos_held,
        count(case when is_converted then 1 end) as demos_converted

    from demos
    where is_held
    group by held_month

),

joined as (

    select
        mrr.*,
        coalesce(spend_by_month.ad_spend, 0) as ad_spend,
        coalesce(sales_marketing_by_month.sales_marketing_expenses, 0) as sales_marketing_expenses,
        coalesce(paid_first_touch_by_month.paid_first_touch_customers, 0) as paid_first_touch_credits,
        gross_margins.gross_margin,
        avg(mrr.customer_churn_rate) over (
            order by mrr.month rows between 11 preceding and current row
        ) as average_churn_rate_12m,
        coalesce(visitors_by_month.unique_visitors, 0) as unique_visitors,
        coalesce(stage_entries_by_month.new_leads, 0) as new_leads,
        coalesce(stage_entries_by_month.new_mqls, 0) as new_mqls,
        coalesce(stage_entries_by_month.new_sqls, 0) as new_sqls,
        coalesce(lead_outcomes.leads_to_customer_180d, 0) as leads_converted_180d,
        {{ divide('lead_outcomes.leads_to_customer_180d', 'stage_entries_by_month.new_leads') }} as lead_to_customer_rate,
        {{ is_window_complete('mrr.month', 180, 'reporting_window.as_of_ts') }} as is_lead_window_complete,
        coalesce(trials.trials_started, 0) as trials_started,
        coalesce(trials.trials_converted, 0) as trials_converted,
        trials.trial_to_paid_rate,
        coalesce(trials.trials_in_progress, 0) as trials_in_progress,
        coalesce(demos_by_month.demos_held, 0) as demos_held,
        coalesce(demos_by_month.demos_converted, 0) as demos_converted,
        {{ divide('demos_by_month.demos_converted', 'demos_by_month.demos_held') }} as demo_to_paid_rate,
        {{ is_window_complete('mrr.month', 90, 'reporting_window.as_of_ts') }} as is_demo_window_complete,
        coalesce(nps.responses, 0) as nps_responses,
        coalesce(nps.promoters, 0) as nps_promoters,
        coalesce(nps.detractors, 0) as nps_detractors,
        nps.nps

    from mrr
    cross join reporting_window
    left join spend_by_month
        on mrr.month = spend_by_month.month
    left join sales_marketing_by_month
        on mrr.month = sales_marketing_by_month.month
    left join paid_first_touch_by_month
        on mrr.month = paid_first_touch_by_month.month
    left join gross_margins
        on mrr.month = gross_margins.month
    left join visitors_by_month
        on mrr.month = visitors_by_month.month
    left join stage_entries_by_month
        on mrr.month = stage_entries_by_month.month
    left join lead_outcomes
        on mrr.month = lead_outcomes.month
    left join trials
        on mrr.month = trials.month
    left join demos_by_month
        on mrr.month = demos_by_month.month
    left join nps
        on mrr.month = nps.month

),

unit_economics as (

    select
        *,
        {{ divide('ad_spend + sales_marketing_expenses', 'new_customers') }} as blended_cac,
        {{ divide('ad_spend', 'paid_first_touch_credits') }} as paid_cac,
        arpa * gross_margin / nullif(average_churn_rate_12m, 0) as ltv

    from joined

)

select
    cast(month as date) as month,
    cast(starting_mrr as decimal(38, 6)) as starting_mrr,
    cast(new_mrr as decimal(38, 6)) as new_mrr,
    cast(expansion_mrr as decimal(38, 6)) as expansion_mrr,
    cast(reactivation_mrr as decimal(38, 6)) as reactivation_mrr,
    cast(contraction_mrr as decimal(38, 6)) as contraction_mrr,
    cast(churned_mrr as decimal(38, 6)) as churned_mrr,
    cast(fx_mrr as decimal(38, 6)) as fx_mrr,
    cast(ending_mrr as decimal(38, 6)) as ending_mrr,
    cast(arr as decimal(38, 6)) as arr,
    cast(starting_customers as bigint) as starting_customers,
    cast(new_customers as bigint) as new_customers,
    cast(reactivated_customers as bigint) as reactivated_customers,
    cast(churned_customers as bigint) as churned_customers,
    cast(ending_customers as bigint) as ending_customers,
    cast(arpa as double) as arpa,
    cast(customer_churn_rate as double) as customer_churn_rate,
    cast(gross_mrr_churn_rate as double) as gross_mrr_churn_rate,
    cast(net_mrr_churn_rate as double) as net_mrr_churn_rate,
    cast(quick_ratio as double) as quick_ratio,
    cast(net_revenue_retention_12m as double) as net_revenue_retention_12m,
    cast(gross_revenue_retention_12m as double) as gross_revenue_retention_12m,
    cast(ad_spend as decimal(38, 6)) as ad_spend,
    cast(sales_marketing_expenses as decimal(38, 6)) as sales_marketing_expenses,
    cast(blended_cac as double) as blended_cac,
    cast(paid_first_touch_credits as double) as paid_first_touch_credits,
    cast(paid_cac as double) as paid_cac,
    cast(gross_margin as double) as gross_margin,
    cast(average_churn_rate_12m as double) as average_churn_rate_12m,
    cast(ltv as double) as ltv,
    cast(ltv / nullif(blended_cac, 0) as double) as ltv_to_cac,
    cast(
        {{ divide('blended_cac', divide('new_mrr', 'new_customers') ~ ' * gross_margin') }} as double
    ) as cac_payback_months,
    cast(unique_visitors as bigint) as unique_visitors,
    cast(new_leads as bigint) as new_leads,
    cast(new_mqls as bigint) as new_mqls,
    cast(new_sqls as bigint) as new_sqls,
    cast(leads_converted_180d as bigint) as leads_converted_180d,
    cast(lead_to_customer_rate as double) as lead_to_customer_rate,
    cast(is_lead_window_complete as boolean) as is_lead_window_complete,
    cast(trials_started as bigint) as trials_started,
    cast(trials_converted as bigint) as trials_converted,
    cast(trial_to_paid_rate as double) as trial_to_paid_rate,
    cast(trials_in_progress as bigint) as trials_in_progress,
    cast(demos_held as bigint) as demos_held,
    cast(demos_converted as bigint) as demos_converted,
    cast(demo_to_paid_rate as double) as demo_to_paid_rate,
    cast(is_demo_window_complete as boolean) as is_demo_window_complete,
    cast(nps_responses as bigint) as nps_responses,
    cast(nps_promoters as bigint) as nps_promoters,
    cast(nps_detractors as bigint) as nps_detractors,
    cast(nps as double) as nps

from unit_economics
