-- One row per customer per month from their first paid month to the as_of month, zero months
-- included: MRR at the end of the month, local and in USD at the month's FX rate.
-- Incremental: each row is its int_customer_months row, so a run rebuilds the months from the
-- earliest one anything upstream changed (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}

with

customer_months as (

    select * from {{ ref('int_customer_months') }}
    where {{ incremental_months_filter('month', 'lineage') }}

)

select
    cast(customer_month_id as string) as customer_month_id,
    cast(customer_id as string) as customer_id,
    cast(month as date) as month,
    cast(currency as string) as currency,
    cast(mrr_local as decimal(38, 6)) as mrr_local,
    cast(mrr as decimal(38, 6)) as mrr,
    cast(is_active as boolean) as is_active

from customer_months
