-- A conversion is a customer's `new` movement; its value is that movement's mrr_change (USD).
with

movements as (

    select * from {{ ref('fct_mrr_movements') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

)

select
    movements.customer_id,
    customers.company_id,
    movements.occurred_at as converted_at,
    movements.movement_month as conversion_month,
    movements.mrr_change as conversion_value

from movements
left join customers
    on movements.customer_id = customers.customer_id
where movements.movement_type = 'new'
