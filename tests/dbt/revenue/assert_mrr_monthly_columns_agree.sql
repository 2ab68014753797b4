-- Each month's derived columns agree with the counts and sums beside them (metrics.md "Monthly
-- MRR"): arr = 12 x ending_mrr, arpa and the churn rates are their ratios, and the 12-month
-- retentions are bounded as their definitions bound them (GRR caps each customer at their M-12 MRR,
-- so 0 <= GRR <= 1 and GRR <= NRR; both are null together). The roll-forwards are tested apart.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

checked as (

    select
        month,
        case
            when abs(arr - 12 * ending_mrr) > 0.00001 then 'arr <> 12 x ending_mrr'
            when {{ ratio_differs('arpa', 'ending_mrr', 'ending_customers') }} then 'arpa <> ending_mrr / ending_customers'
            when {{ ratio_differs('customer_churn_rate', 'churned_customers', 'starting_customers') }}
                then 'customer_churn_rate <> churned_customers / starting_customers'
            when {{ ratio_differs('gross_mrr_churn_rate', '-(churned_mrr + contraction_mrr)', 'starting_mrr') }}
                then 'gross_mrr_churn_rate <> -(churned + contraction) / starting_mrr'
            when {{ ratio_differs(
                'net_mrr_churn_rate', '-(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr)', 'starting_mrr'
            ) }}
                then 'net_mrr_churn_rate <> -(churned + contraction + expansion + reactivation) / starting_mrr'
            when {{ ratio_differs(
                'quick_ratio', 'new_mrr + expansion_mrr + reactivation_mrr', '-(churned_mrr + contraction_mrr)'
            ) }}
                then 'quick_ratio <> (new + expansion + reactivation) / -(churned + contraction)'
            when (net_revenue_retention_12m is null) != (gross_revenue_retention_12m is null)
                then 'only one of net and gross revenue retention is null'
            when gross_revenue_retention_12m < 0 or gross_revenue_retention_12m > 1 + 1e-9
                then 'gross_revenue_retention_12m outside 0..1'
            when gross_revenue_retention_12m > net_revenue_retention_12m + 1e-9
                then 'gross_revenue_retention_12m > net_revenue_retention_12m'
        end as failure

    from monthly

)

select * from checked
where failure is not null
