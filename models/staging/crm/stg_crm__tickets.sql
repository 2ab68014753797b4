with

source as (

    select * from {{ source('raw', 'crm_tickets') }}

),

renamed as (

    select
        ticket_id,
        company_id,
        contact_id,
        lower(category) as ticket_category,
        lower(priority) as ticket_priority,
        created_at,
        closed_at

    from source

)

select * from renamed
