-- Per month and attribution model, new_customers summed over the channels of fct_cac_by_channel
-- equals fct_mrr_monthly.new_customers (fractional credits add up to whole customers).
with

monthly as (

    select * from {{ ref('fct_mrr_monthly') }}

),

cac as (

    select * from {{ ref('fct_cac_by_channel') }}

),

models as (

    {{ attribution_models() }}
    union
    select distinct attribution_model from cac

),

credited as (

    select
        month,
        attribution_model,
        sum(new_customers) as new_customers

    from cac
    group by month, attribution_model

),

months as (

    select month from monthly
    union
    select month from credited

),

checked as (

    select
        months.month,
        models.attribution_model,
        coalesce(monthly.new_customers, 0) as monthly_new_customers,
        coalesce(credited.new_customers, 0) as credited_new_customers

    from months
    cross join models
    left join monthly
        on months.month = monthly.month
    left join credited
        on months.month = credited.month
            and models.attribution_model = credited.attribution_model

)

select * from checked
where abs(credited_new_customers - monthly_new_customers) > 1e-9
