-- Incremental: month M depends only on data before the end of M, so a run rebuilds the months
-- from the earliest one its inputs changed (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}

-- The inputs of the customer health score, one row per active customer-month (MRR > 0 at the
-- end of the month), each measured at the month-end instant (the first instant of the next
-- month, or as_of_ts for the as_of month):
--   usage: average daily active users of the month and of the previous month;
--   seats: quantity of the customer's paying items (item MRR > 0) in effect just before the
--          month-end instant;
--   tickets: the customer's tickets created in the trailing health_ticket_window_months
--            (default 3: the month and the two before), urgent ones, and those in the categories
--            discount_request, competitor_mention and cancellation_request;
--   NPS: the latest response of the customer's company before the month-end instant;
--   invoices: open, uncollectible, or paid only at or after the month-end instant, whose due
--             date (created_at + invoice_payment_terms_days, default 30) passed before it.
{%- set ticket_window_months = var('health_ticket_window_months', 3) %}
{%- set payment_terms_days = var('invoice_payment_terms_days', 30) %}

with

customer_months as (

    select * from {{ ref('fct_customer_mrr_monthly') }}
    where {{ incremental_months_filter('month', 'lineage') }}

),

months as (

    select * from {{ ref('int_months') }}
    where {{ incremental_months_filter('month', 'lineage') }}

),

usage as (

    select * from {{ ref('fct_product_usage_monthly') }}
    where {{ incremental_months_since('month', 'lineage') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

tickets as (

    select * from {{ ref('int_customer_tickets') }}
    where {{ incremental_months_since('month', 'lineage', ticket_window_months - 1) }}

),

nps_responses as (

    select * from {{ ref('int_nps_responses_classified') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

-- grouped before the month ends are joined in: grouped after, by month_end_at too, the warehouse
-- aggregates the customer-months twice
active_customer_mrr as (

    {{ active_customer_months_from('customer_months') }}

),

active_customer_months as (

    select
        active_customer_mrr.customer_id,
        active_customer_mrr.month,
        months.month_end_at,
        active_customer_mrr.mrr

    from active_customer_mrr
    inner join months
        on active_customer_mrr.month = months.month

),

seats as (

    select
        active_customer_months.customer_id,
        active_customer_months.month,
        sum(items.quantity) as seats

    from active_customer_months
    inner join items
        on active_customer_months.customer_id = items.customer_id
            and active_customer_months.month_end_at > items.paying_from_at
            and active_customer_months.month_end_at <= items.paying_until_at
    where items.item_mrr_local > 0
    group by active_customer_months.customer_id, active_customer_months.month

),

ticket_counts as (

    select
        active_customer_months.customer_id,
        active_customer_months.month,
        count(*) as tickets,
        count(case when tickets.is_urgent then 1 end) as urgent_tickets,
        count(case when tickets.is_risk_category then 1 end) as risk_tickets

    from active_customer_months
    inner join tickets
        on active_customer_months.customer_id = tickets.customer_id
            and tickets.month
            between {{ add_months('active_customer_months.month', 1 - ticket_window_months) }}
            and active_customer_months.month
    group by active_customer_months.customer_id, active_customer_months.month

),

ranked_nps as (

    select
        active_customer_months.customer_id,
        active_customer_months.month,
        nps_responses.nps_score,
        nps_responses.responded_at,
        row_number() over (
            partition by active_customer_months.customer_id, active_customer_months.month
            order by nps_responses.responded_at desc, nps_responses.nps_response_id desc
        ) as recency_rank

    from active_customer_months
    inner join customers
        on active_customer_months.customer_id = customers.customer_id
    inner join nps_responses
        on customers.company_id = nps_responses.company_id
            and active_customer_months.month_end_at > nps_responses.responded_at

),

latest_nps as (

    select
        customer_id,
        month,
        nps_score as latest_nps_score,
        responded_at as latest_nps_responded_at

    from ranked_nps
    where recency_rank = 1

),

-- each invoice's span of month-end instants at which it is past due: after its due date and, for
-- a paid invoice, until it was paid (only invoices whose span is not empty); the months are the
-- few dozen of the reporting window, so no invoice meets every other month of its customer
past_due_spans as (

    select
        customer_id,
        created_at + interval {{ payment_terms_days }} day as due_at,
        case when invoice_status = 'paid' then coalesce(paid_at, created_at) end as settled_at

    from invoices
    where invoice_status in ('open', 'uncollectible')
        or (
            invoice_status = 'paid'
            and coalesce(paid_at, created_at) > created_at + interval {{ payment_terms_days }} day
        )

),

past_due_invoices as (

    select
        past_due_spans.customer_id,
        months.month,
        count(*) as past_due_invoices

    from past_due_spans
    inner join months
        on past_due_spans.due_at < months.month_end_at
            and (past_due_spans.settled_at is null or past_due_spans.settled_at >= months.month_end_at)
    group by past_due_spans.customer_id, months.month

)

select
    active_customer_months.customer_id || '|' || cast(active_customer_months.month as string)
        as customer_health_month_id,
    active_customer_months.customer_id,
    active_customer_months.month,
    active_customer_months.month_end_at,
    active_customer_months.mrr,
    coalesce(usage.avg_active_users, 0) as avg_active_users,
    coalesce(usage.previous_avg_active_users, 0) as previous_avg_active_users,
    coalesce(seats.seats, 0) as seats,
    coalesce(ticket_counts.tickets, 0) as tickets,
    coalesce(ticket_counts.urgent_tickets, 0) as urgent_tickets,
    coalesce(ticket_counts.risk_tickets, 0) as risk_tickets,
    latest_nps.latest_nps_score,
    latest_nps.latest_nps_responded_at,
    coalesce(past_due_invoices.past_due_invoices, 0) as past_due_invoices

from active_customer_months
left join usage
    on active_customer_months.customer_id = usage.customer_id
        and active_customer_months.month = usage.month
left join seats
    on active_customer_months.customer_id = seats.customer_id
        and active_customer_months.month = seats.month
left join ticket_counts
    on active_customer_months.customer_id = ticket_counts.customer_id
        and active_customer_months.month = ticket_counts.month
left join latest_nps
    on active_customer_months.customer_id = latest_nps.customer_id
        and active_customer_months.month = latest_nps.month
left join past_due_invoices
    on active_customer_months.customer_id = past_due_invoices.customer_id
        and active_customer_months.month = past_due_invoices.month
