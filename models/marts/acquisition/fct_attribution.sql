-- Credit for every conversion (a customer's `new` movement) split over its touches under each
-- attribution model; credits of a conversion sum to 1 in every model. A conversion with no touch
-- gets one row with no touchpoint, channel `direct` and credit 1. Rows with credit 0 are omitted.
-- Incremental: each conversion's credits come from its own touches, so a run rebuilds the conversion
-- months from the earliest one its inputs changed (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('conversion_month', 'lineage')) }}

with

touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ incremental_months_filter('conversion_month', 'lineage') }}

),

conversions as (

    select * from {{ ref('int_conversions') }}
    where {{ incremental_months_filter('conversion_month', 'lineage') }}

),

model_credits as (

    select
        *,
        'first_touch' as attribution_model,
        case when touch_number = 1 then 1.0 else 0.0 end as credit

    from touches

    union all

    select
        *,
        'last_touch' as attribution_model,
        case when touch_number = touch_count then 1.0 else 0.0 end as credit

    from touches

    union all

    select
        *,
        'linear' as attribution_model,
        {{ divide('1', 'touch_count') }} as credit

    from touches

    union all

    select
        *,
        'position_based' as attribution_model,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_number = 1 or touch_number = touch_count then 0.4
            else {{ divide('0.2', 'touch_count - 2') }}
        end as credit

    from touches

    union all

    select
        *,
        'time_decay' as attribution_model,
        -- an ordered, whole-partition frame: the weights are always added in touch order, so the
        -- credits are identical from one build to the next
        time_decay_weight / sum(time_decay_weight) over (
            partition by customer_id, converted_at
            order by touch_number
            rows between unbounded preceding and unbounded following
        ) as credit

    from touches

),

touched_conversions as (

    select distinct
        customer_id,
        converted_at

    from touches

),

untouched_conversions as (

    select conversions.*

    from conversions
    left join touched_conversions as touched
        on conversions.customer_id = touched.customer_id
            and conversions.converted_at = touched.converted_at
    where touched.customer_id is null

),

models as (

    {{ attribution_models() }}

),

direct_credits as (

    select
        untouched_conversions.customer_id,
        untouched_conversions.converted_at,
        untouched_conversions.conversion_month,
        untouched_conversions.conversion_value,
        cast(null as string) as touchpoint_id,
        cast(null as timestamp) as touched_at,
        'direct' as channel,
        cast(null as string) as utm_campaign,
        models.attribution_model,
        1.0 as credit

    from untouched_conversions
    cross join models

),

all_credits as (

    select
        customer_id,
        converted_at,
        conversion_month,
        conversion_value,
        touchpoint_id,
        touched_at,
        channel,
        utm_campaign,
        attribution_model,
        credit

    from model_credits
    where credit > 0

    union all

    select * from direct_credits

)

select
    cast(md5(
        customer_id || '|' || {{ timestamp_key('converted_at') }} || '|' || attribution_model || '|'
        || coalesce(touchpoint_id, '(none)')
    ) as string) as attribution_id,
    cast(customer_id as string) as customer_id,
    cast(converted_at as timestamp) as converted_at,
    cast(conversion_month as date) as conversion_month,
    cast(touchpoint_id as string) as touchpoint_id,
    cast(touched_at as timestamp) as touched_at,
    cast(channel as string) as channel,
    cast(utm_campaign as string) as utm_campaign,
    cast(attribution_model as string) as attribution_model,
    cast(credit as double) as credit,
    cast(conversion_value as decimal(38, 6)) as conversion_value,
    {{ to_usd("conversion_value", "credit") }} as attributed_new_mrr

from all_credits
