with

source as (

    select * from {{ source('raw', 'crm_companies') }}

),

renamed as (

    select
        company_id,
        name as company_name,
        lower(domain) as domain,
        lower(industry) as industry,
        employee_count,
        upper(country) as country,
        created_at

    from source

)

select * from renamed
