-- One row per priced state of a subscription item: half-open [valid_from, valid_to).
with

source as (

    select * from {{ source('raw', 'billing_subscription_item_history') }}

),

renamed as (

    select
        subscription_item_id || '@' || {{ timestamp_key('valid_from') }} as subscription_item_period_id,
        subscription_item_id,
        subscription_id,
        price_id,
        quantity,
        discount_percent,
        discount_amount as discount_amount_minor,
        valid_from,
        valid_to

    from source

)

select * from renamed
