with

source as (

    select * from {{ source('raw', 'billing_invoices') }}

),

currencies as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        source.invoice_id,
        source.customer_id,
        source.subscription_id,
        lower(source.status) as invoice_status,
        source.currency,
        source.created_at,
        source.period_start as period_started_at,
        source.period_end as period_ended_at,
        {{ minor_to_major('source.subtotal', 'currencies.exponent') }} as subtotal,
        {{ minor_to_major('coalesce(source.discount, 0)', 'currencies.exponent') }} as discount,
        {{ minor_to_major('coalesce(source.tax, 0)', 'currencies.exponent') }} as tax,
        {{ minor_to_major('source.total', 'currencies.exponent') }} as total,
        {{ minor_to_major('source.amount_paid', 'currencies.exponent') }} as amount_paid,
        source.paid_at

    from source
    left join currencies
        on source.currency = currencies.currency

)

select * from renamed
