-- The MRR bridge of the last 12 months to the as_of month, one row per month and line: the
-- board-deck waterfall (starting MRR, each movement type, ending MRR). Compile it with
-- `dbt compile` and run the SQL in target/compiled against the published warehouse.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

latest as (

    select max(month) as latest_month from monthly

),

last_twelve as (

    select monthly.*

    from monthly
    cross join latest
    where monthly.month > {{ add_months('latest.latest_month', -12) }}

),

steps as (

    select
        bridge_lines.step,
        bridge_lines.line
    from (
        values
        (1, 'starting'), (2, 'new'), (3, 'expansion'), (4, 'reactivation'),
        (5, 'contraction'), (6, 'churn'), (7, 'fx'), (8, 'ending')
    ) as bridge_lines (step, line)

),

bridge as (

    select
        last_twelve.month,
        steps.step,
        steps.line,
        case steps.line
            when 'starting' then last_twelve.starting_mrr
            when 'new' then last_twelve.new_mrr
            when 'expansion' then last_twelve.expansion_mrr
            when 'reactivation' then last_twelve.reactivation_mrr
            when 'contraction' then last_twelve.contraction_mrr
            when 'churn' then last_twelve.churned_mrr
            when 'fx' then last_twelve.fx_mrr
            else last_twelve.ending_mrr
        end as amount

    from last_twelve
    cross join steps

)

select * from bridge
order by month, step
