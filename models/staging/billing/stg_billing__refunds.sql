-- Refunds carry no currency of their own: the amount stays in minor units here and is
-- converted where it meets its invoice (the invoice's currency is the refund's).
with

source as (

    select * from {{ source('raw', 'billing_refunds') }}

),

renamed as (

    select
        refund_id,
        invoice_id,
        amount as amount_minor,
        created_at,
        nullif(lower(trim(reason)), '') as refund_reason

    from source

)

select * from renamed
