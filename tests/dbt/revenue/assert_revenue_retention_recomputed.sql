-- The 12-month revenue retentions of fct_mrr_monthly, recomputed from the published customer
-- months (metrics.md "Monthly MRR", edge rule 9): over the customers active at the end of M-12,
-- net = their local MRR at the end of M / their local MRR at the end of M-12, gross = the same
-- with each customer's MRR at M capped at their MRR at M-12, both sides at rate(M) (constant
-- currency); null on the first 12 rows and where no customer was active at the end of M-12.
-- assert_mrr_monthly_columns_agree bounds them (0 <= gross <= 1, gross <= net); this recomputes
-- their values, so a net retention too high but still above the gross one fails here. Failing rows
-- are months, with both values of each.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

numbered as (

    select
        month,
        net_revenue_retention_12m,
        gross_revenue_retention_12m,
        row_number() over (order by month) as row_number_from_first

    from monthly

),

-- each customer active at the end of M-12 with its local MRR then and at the end of M, and the
-- rate of M of its currency
base as (

    select
        now_row.month,
        year_ago.mrr_local as mrr_local_year_ago,
        now_row.mrr_local as mrr_local_now,
        fx_rates.usd_per_unit

    from customer_months as year_ago
    inner join customer_months as now_row
        on year_ago.customer_id = now_row.customer_id
            and year_ago.currency = now_row.currency
            and now_row.month = {{ add_months('year_ago.month', 12) }}
    inner join fx_rates
        on now_row.currency = fx_rates.currency
            and now_row.month = fx_rates.month
    where year_ago.mrr_local > 0

),

recomputed as (

    select
        month,
        sum(cast(mrr_local_now as double) * usd_per_unit) as retained,
        sum(cast(least(mrr_local_now, mrr_local_year_ago) as double) * usd_per_unit) as retained_capped,
        sum(cast(mrr_local_year_ago as double) * usd_per_unit) as starting

    from base
    group by month

),

compared as (

    select
        numbered.month,
        numbered.row_number_from_first,
        numbered.net_revenue_retention_12m,
        case
            when numbered.row_number_from_first > 12 and recomputed.starting > 0
                then recomputed.retained / recomputed.starting
        end as expected_net,
        numbered.gross_revenue_retention_12m,
        case
            when numbered.row_number_from_first > 12 and recomputed.starting > 0
                then recomputed.retained_capped / recomputed.starting
        end as expected_gross

    from numbered
    left join recomputed
        on numbered.month = recomputed.month

)

select * from compared
where (net_revenue_retention_12m is null) != (expected_net is null)
    or (gross_revenue_retention_12m is null) != (expected_gross is null)
    or abs(net_revenue_retention_12m - expected_net) > 1e-6
    or abs(gross_revenue_retention_12m - expected_gross) > 1e-6
