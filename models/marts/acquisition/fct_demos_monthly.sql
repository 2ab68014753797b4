-- Demos by month and demo type: requested in the month, held in the month, and of those held in
-- the month, converted (demo_to_paid_rate) and the median days from request to paid. The rate of a
-- month whose demos have not all had their 90 days by as_of is not final (is_window_complete).
with

demos as (

    select * from {{ ref('fct_demos') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

requested as (

    select
        requested_month as month,
        demo_type,
        count(*) as demos_requested,
        count(case when is_held then 1 end) as requested_and_held

    from demos
    group by requested_month, demo_type

),

held as (

    select
        held_month as month,
        demo_type,
        count(*) as demos_held,
        count(case when is_converted then 1 end) as demos_converted,
        median(days_request_to_paid) as median_days_request_to_paid

    from demos
    where is_held
    group by held_month, demo_type

),

grid as (

    select
        month,
        demo_type
    from requested
    union
    select
        month,
        demo_type
    from held

)

select
    cast(cast(grid.month as string) || '|' || grid.demo_type as string) as demo_month_id,
    cast(grid.month as date) as month,
    cast(grid.demo_type as string) as demo_type,
    cast(coalesce(requested.demos_requested, 0) as bigint) as demos_requested,
    cast(requested.requested_and_held / nullif(requested.demos_requested, 0) as double) as show_rate,
    cast(coalesce(held.demos_held, 0) as bigint) as demos_held,
    cast(coalesce(held.demos_converted, 0) as bigint) as demos_converted,
    cast(held.demos_converted / nullif(held.demos_held, 0) as double) as demo_to_paid_rate,
    cast(held.median_days_request_to_paid as double) as median_days_request_to_paid,
    cast({{ is_window_complete('grid.month', 90, 'reporting_window.as_of_ts') }} as boolean) as is_window_complete

from grid
cross join reporting_window
left join requested
    on grid.month = requested.month
        and grid.demo_type = requested.demo_type
left join held
    on grid.month = held.month
        and grid.demo_type = held.demo_type
