-- A refund is money given back, delivered as a positive amount (the raw contract: "minor units,
-- positive"). A negative one, as some billing exports write refunds, would be subtracted from
-- refunded money and so add to collected revenue, net revenue, gross margin and LTV: the build
-- stops instead of publishing such numbers. A refund of 0 changes nothing (the raw quality suite
-- warns about it).
with

refunds as (

    select * from {{ ref('stg_billing__refunds') }}

)

select
    refund_id,
    invoice_id,
    amount_minor

from refunds
where amount_minor < 0
