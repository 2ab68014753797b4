with

source as (

    select * from {{ source('raw', 'billing_subscriptions') }}

),

renamed as (

    select
        subscription_id,
        customer_id,
        created_at,
        trial_start as trial_started_at,
        trial_end as trial_ended_at,
        canceled_at,
        ended_at,
        nullif(lower(trim(cancellation_reason)), '') as cancellation_reason,
        lower(status) as billing_status

    from source

)

select * from renamed
