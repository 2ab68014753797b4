with

source as (

    select * from {{ source('raw', 'crm_deals') }}

),

renamed as (

    select
        deal_id,
        company_id,
        contact_id,
        lower(deal_type) as deal_type,
        lower(stage) as deal_stage,
        amount,
        upper(currency) as currency,
        created_at,
        closed_at

    from source

)

select * from renamed
