with

source as (

    select * from {{ source('raw', 'crm_nps_responses') }}

),

renamed as (

    select
        response_id as nps_response_id,
        contact_id,
        company_id,
        score as nps_score,
        responded_at,
        comment as nps_comment

    from source

)

select * from renamed
