-- A table: a dozen models and every filter on the reporting window read it; as a view each of them
-- would scan the billing tables again.
{{ config(materialized='table') }}

-- The reporting window: as_of (var, or the date of the latest billing record) and as_of_ts,
-- the first instant after the as_of day. Nothing at or after as_of_ts is counted.
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

item_periods as (

    select * from {{ ref('stg_billing__subscription_item_periods') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

latest_billing_records as (

    select max(created_at) as latest_at from subscriptions
    union all
    select max(valid_from) as latest_at from item_periods
    union all
    select max(created_at) as latest_at from invoices

),

window_bounds as (

    select
        {% if var('as_of') -%}
            cast('{{ var("as_of") }}' as date)
        {%- else -%}
            cast(null as date)
        {%- endif %} as configured_as_of,
        cast(max(latest_at) as date) as latest_billing_date

    from latest_billing_records

),

resolved as (

    select coalesce(configured_as_of, latest_billing_date) as as_of_date
    from window_bounds

)

select
    as_of_date,
    cast(as_of_date + interval 1 day as timestamp) as as_of_ts,
    {{ month_of('as_of_date') }} as as_of_month

from resolved
