with

source as (

    select * from {{ source('raw', 'fx_rates') }}

),

renamed as (

    select
        currency || '@' || cast(rate_date as string) as fx_rate_id,
        rate_date,
        currency,
        usd_per_unit

    from source

)

select * from renamed
