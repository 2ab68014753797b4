with

source as (

    select * from {{ source('raw', 'crm_contacts') }}

),

renamed as (

    select
        contact_id,
        company_id,
        email,
        anonymous_id,
        created_at,
        original_source

    from source

)

select * from renamed
