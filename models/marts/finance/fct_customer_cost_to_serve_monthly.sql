-- The month's cost-to-serve pools allocated to the customers active at the month's end, with
-- their MRR and gross margin. support and customer_success go by the customer's share of the
-- month's tickets (a ticket of a company with several active customers is split evenly between
-- them), infrastructure by the share of the month's product usage events. When a month has no
-- such tickets (or no usage events) that pool is split evenly over the active customers, so no
-- cost is lost. Each amount is rounded to 6 decimals and the rounding remainder goes to the
-- month's first customer (by customer_id), so the allocations sum exactly to the pools.
-- Incremental: month M reads only month M's pools, customers, tickets and usage, so a run rebuilds
-- the months from the earliest one its inputs changed (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}

with

pools as (

    select * from {{ ref('int_cost_to_serve_pools_monthly') }}

),

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}
    where {{ incremental_months_since('month', 'lineage') }}

),

tickets as (

    select * from {{ ref('int_customer_tickets') }}
    where {{ incremental_months_since('month', 'lineage') }}

),

usage as (

    select * from {{ ref('fct_product_usage_monthly') }}
    where {{ incremental_months_since('month', 'lineage') }}

),

active_customers as (

    {{ active_customer_months_from('customer_months') }}

),

ticket_links as (

    select
        tickets.ticket_id,
        active_customers.customer_id,
        active_customers.month

    from tickets
    inner join active_customers
        on tickets.customer_id = active_customers.customer_id
            and tickets.month = active_customers.month

),

weighted_links as (

    select
        customer_id,
        month,
        {{ divide('1', 'count(*) over (partition by ticket_id)') }} as ticket_weight

    from ticket_links

),

customer_tickets as (

    select
        customer_id,
        month,
        sum(ticket_weight) as tickets

    from weighted_links
    group by customer_id, month

),

bases as (

    select
        active_customers.customer_id,
        active_customers.month,
        active_customers.mrr,
        coalesce(customer_tickets.tickets, 0) as tickets,
        coalesce(usage.total_events, 0) as usage_events

    from active_customers
    left join customer_tickets
        on active_customers.customer_id = customer_tickets.customer_id
            and active_customers.month = customer_tickets.month
    left join usage
        on active_customers.customer_id = usage.customer_id
            and active_customers.month = usage.month

),

-- the month's totals, grouped and joined back rather than windows over each month's customers
-- (which sort them), and the month's first customer, who takes the rounding remainders
month_totals as (

    select
        month,
        sum(tickets) as month_tickets,
        sum(usage_events) as month_usage_events,
        count(*) as month_active_customers,
        min(customer_id) as first_customer_id

    from bases
    group by month

),

shares as (

    select
        bases.*,
        bases.customer_id = month_totals.first_customer_id as is_first_customer,
        month_totals.month_tickets = 0 as is_ticket_share_even,
        month_totals.month_usage_events = 0 as is_usage_share_even,
        case
            when month_totals.month_tickets > 0 then cast(bases.tickets as double) / month_totals.month_tickets
            else {{ divide('1', 'month_totals.month_active_customers') }}
        end as ticket_share,
        case
            when month_totals.month_usage_events > 0
                then cast(bases.usage_events as double) / month_totals.month_usage_events
            else {{ divide('1', 'month_totals.month_active_customers') }}
        end as usage_event_share

    from bases
    inner join month_totals
        on bases.month = month_totals.month

),

rounded as (

    select
        shares.*,
        pools.support_cost as support_pool,
        pools.customer_success_cost as customer_success_pool,
        pools.infrastructure_cost as infrastructure_pool,
        {{ to_money('pools.support_cost * shares.ticket_share') }} as support_rounded,
        {{ to_money('pools.customer_success_cost * shares.ticket_share') }} as customer_success_rounded,
        {{ to_money('pools.infrastructure_cost * shares.usage_event_share') }} as infrastructure_rounded

    from shares
    inner join pools
        on shares.month = pools.month

),

-- what is left of each pool after rounding, for the month's first customer
remainders as (

    select
        month,
        max(support_pool) - sum(support_rounded) as support_remainder,
        max(customer_success_pool) - sum(customer_success_rounded) as customer_success_remainder,
        max(infrastructure_pool) - sum(infrastructure_rounded) as infrastructure_remainder

    from rounded
    group by month

),

allocated as (

    select
        rounded.*,
        rounded.support_rounded
        + case when rounded.is_first_customer then remainders.support_remainder else 0 end as support_cost,
        rounded.customer_success_rounded
        + case when rounded.is_first_customer then remainders.customer_success_remainder else 0 end
            as customer_success_cost,
        rounded.infrastructure_rounded
        + case when rounded.is_first_customer then remainders.infrastructure_remainder else 0 end
            as infrastructure_cost

    from rounded
    inner join remainders
        on rounded.month = remainders.month

)

select
    cast(customer_id || '|' || cast(month as string) as string) as customer_cost_month_id,
    cast(customer_id as string) as customer_id,
    cast(month as date) as month,
    cast(mrr as decimal(38, 6)) as mrr,
    cast(tickets as double) as tickets,
    cast(ticket_share as double) as ticket_share,
    cast(is_ticket_share_even as boolean) as is_ticket_share_even,
    cast(usage_events as bigint) as usage_events,
    cast(usage_event_share as double) as usage_event_share,
    cast(is_usage_share_even as boolean) as is_usage_share_even,
    cast(support_cost as decimal(38, 6)) as support_cost,
    cast(customer_success_cost as decimal(38, 6)) as customer_success_cost,
    cast(infrastructure_cost as decimal(38, 6)) as infrastructure_cost,
    cast(support_cost + customer_success_cost + infrastructure_cost as decimal(38, 6)) as cost_to_serve,
    cast({{ divide('mrr - (support_cost + customer_success_cost + infrastructure_cost)', 'mrr') }} as double) as gross_margin

from allocated
