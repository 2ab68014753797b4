-- Every conversion (a customer's `new` movement) has credits summing to 1 (within 1e-9) in each
-- of the five attribution models; a conversion missing from a model sums to 0 and fails too.
-- After an incremental run it checks the conversions from the first month that the attribution or
-- the movements (the conversions' source) rebuilt since the last complete build that passed
-- (macros/incremental.sql, months_to_test): a conversion's credits are rows of its own month.
{%- set checked_models = [ref('fct_attribution').identifier, ref('fct_mrr_movements').identifier] %}
with

conversions as (

    select * from {{ ref('int_conversions') }}
    where {{ since_first_month_to_test(checked_models, 'conversion_month') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}
    where {{ since_first_month_to_test(checked_models, 'conversion_month') }}

),

models as (

    {{ attribution_models() }}

),

credits as (

    select
        customer_id,
        converted_at,
        attribution_model,
        sum(credit) as total_credit

    from attribution
    group by customer_id, converted_at, attribution_model

),

checked as (

    select
        conversions.customer_id,
        conversions.converted_at,
        models.attribution_model,
        coalesce(credits.total_credit, 0) as total_credit

    from conversions
    cross join models
    left join credits
        on conversions.customer_id = credits.customer_id
            and conversions.converted_at = credits.converted_at
            and models.attribution_model = credits.attribution_model

)

select * from checked
where abs(total_credit - 1) > 1e-9
