with

source as (

    select * from {{ source('raw', 'crm_email_events') }}

),

renamed as (

    select
        email_event_id,
        contact_id,
        campaign_id,
        lower(event_type) as event_type,
        occurred_at

    from source

)

select * from renamed
