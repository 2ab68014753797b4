with

source as (

    select * from {{ source('raw', 'product_usage_daily') }}

),

renamed as (

    select
        customer_id || '@' || cast(usage_date as string) as daily_usage_id,
        customer_id,
        usage_date,
        active_users,
        sessions as usage_sessions,
        events as usage_events,
        key_feature_uses

    from source

)

select * from renamed
