with

source as (

    select * from {{ source('raw', 'billing_prices') }}

),

currencies as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        source.price_id,
        source.product_id,
        source.product_name,
        lower(source.plan_tier) as plan_tier,
        source.currency,
        currencies.exponent as currency_exponent,
        source.unit_amount as unit_amount_minor,
        {{ minor_to_major('source.unit_amount', 'currencies.exponent') }} as unit_amount,
        lower(source.billing_interval) as billing_interval,
        source.interval_count,
        -- months one billing interval covers: a year is 12, a week 12/52, a day 12/365
        source.interval_count * case lower(source.billing_interval)
            when 'month' then cast(1 as double)
            when 'year' then cast(12 as double)
            when 'week' then {{ divide('12', '52') }}
            when 'day' then {{ divide('12', '365') }}
        end as months_per_interval,
        source.is_recurring

    from source
    left join currencies
        on source.currency = currencies.currency

)

select * from renamed
