with

source as (

    select * from {{ source('raw', 'crm_form_submissions') }}

),

renamed as (

    select
        submission_id as form_submission_id,
        contact_id,
        anonymous_id,
        lower(form_type) as form_type,
        submitted_at,
        page_url

    from source

)

select * from renamed
