-- Invoice lines carry no currency of their own: amounts stay in minor units here and are
-- converted where they meet their invoice (the invoice's currency is the line's).
with

source as (

    select * from {{ source('raw', 'billing_invoice_lines') }}

),

renamed as (

    select
        invoice_line_id,
        invoice_id,
        subscription_id,
        price_id,
        lower(line_type) as line_type,
        quantity,
        amount as amount_minor,
        coalesce(discount_amount, 0) as discount_amount_minor,
        period_start as period_started_at,
        period_end as period_ended_at

    from source

)

select * from renamed
