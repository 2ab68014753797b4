-- The day spine MetricFlow joins metrics to (metric_time): one row per calendar day. The range
-- covers any plausible reporting window; 15,000 rows cost nothing and never need rebuilding.
{{ config(materialized='table', schema='intermediate') }}

with

days as (

    {{ day_spine("date '2000-01-01'", "date '2040-12-31'") }}

)

select cast(days.day_start as date) as date_day

from days
