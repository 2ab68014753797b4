-- Item history rows must be well-formed intervals that never overlap for one item: an overlap
-- would count the item twice in MRR. Each failing row names the item and both offending periods.
with

item_periods as (

    select * from {{ ref('stg_billing__subscription_item_periods') }}

),

inverted as (

    select
        subscription_item_id,
        valid_from,
        valid_to,
        cast(null as timestamp) as other_valid_from,
        'valid_to is not after valid_from' as failure

    from item_periods
    where valid_to <= valid_from

),

ordered as (

    select
        subscription_item_id,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by subscription_item_id order by valid_from) as next_valid_from

    from item_periods

),

overlapping as (

    select
        subscription_item_id,
        valid_from,
        valid_to,
        next_valid_from as other_valid_from,
        'overlaps the next period of the same item' as failure

    from ordered
    where next_valid_from is not null
        and (valid_to is null or valid_to > next_valid_from)

)

select * from inverted
union all
select * from overlapping
