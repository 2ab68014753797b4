with

source as (

    select * from {{ source('raw', 'crm_demos') }}

),

renamed as (

    select
        demo_id,
        contact_id,
        lower(demo_type) as demo_type,
        requested_at,
        held_at

    from source

)

select * from renamed
