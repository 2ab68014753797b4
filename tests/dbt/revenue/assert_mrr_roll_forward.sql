-- For every month: starting_mrr + every movement of the month = ending_mrr (within 0.01), and
-- starting_mrr is the previous month's ending_mrr.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

checked as (

    select
        month,
        starting_mrr,
        ending_mrr,
        starting_mrr + new_mrr + expansion_mrr + reactivation_mrr + contraction_mrr + churned_mrr + fx_mrr
            as rolled_forward_mrr,
        lag(ending_mrr) over (order by month) as previous_ending_mrr

    from monthly

)

select * from checked
where abs(rolled_forward_mrr - ending_mrr) > 0.01
    or abs(starting_mrr - coalesce(previous_ending_mrr, 0)) > 0.01
