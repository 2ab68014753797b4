with

source as (

    select * from {{ source('raw', 'billing_customers') }}

),

renamed as (

    select
        customer_id,
        company_id,
        email,
        name as customer_name,
        upper(country) as country,
        created_at,
        coalesce(is_test, false) as is_test

    from source

)

select * from renamed
