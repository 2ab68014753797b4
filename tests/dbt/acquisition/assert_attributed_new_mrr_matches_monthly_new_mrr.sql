-- Per month and attribution model, attributed_new_mrr adds up to fct_mrr_monthly.new_mrr
-- (within 0.01): attribution splits each `new` movement without losing or adding MRR.
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}

),

models as (

    {{ attribution_models() }}
    union
    select distinct attribution_model from attribution

),

attributed as (

    select
        conversion_month as month,
        attribution_model,
        sum(attributed_new_mrr) as attributed_new_mrr

    from attribution
    group by conversion_month, attribution_model

),

months as (

    select month from monthly
    union
    select month from attributed

),

checked as (

    select
        months.month,
        models.attribution_model,
        coalesce(monthly.new_mrr, 0) as new_mrr,
        coalesce(attributed.attributed_new_mrr, 0) as attributed_new_mrr

    from months
    cross join models
    left join monthly
        on months.month = monthly.month
    left join attributed
        on months.month = attributed.month
            and models.attribution_model = attributed.attribution_model

)

select * from checked
where abs(attributed_new_mrr - new_mrr) > 0.01
