-- Customer health per active customer-month: five component scores in 0..1, their weighted
-- mean (weights are vars, normalised by their sum) scaled to 0..100 and rounded to 2 decimals,
-- and the band of the rounded score: healthy (>= 70), at_risk (>= 40), critical (< 40).
-- docs/customer_finance.md explains each component and its default weight.
-- Incremental: each row is computed from its own components row alone, so a run rebuilds the months
-- from the earliest one the components rebuilt (macros/incremental.sql, domain lineage).
{{ config(**incremental_config('month', 'lineage')) }}
{%- set weight_usage_trend = var('health_weight_usage_trend', 0.30) %}
{%- set weight_seat_utilization = var('health_weight_seat_utilization', 0.20) %}
{%- set weight_tickets = var('health_weight_tickets', 0.20) %}
{%- set weight_nps = var('health_weight_nps', 0.15) %}
{%- set weight_unpaid_invoices = var('health_weight_unpaid_invoices', 0.15) %}
{%- set ticket_penalty = var('health_ticket_penalty', 0.05) %}
{%- set urgent_ticket_penalty = var('health_urgent_ticket_penalty', 0.15) %}
{%- set risk_ticket_penalty = var('health_risk_ticket_penalty', 0.25) %}
{%- set nps_missing_score = var('health_nps_missing_score', 0.5) %}

with

components as (

    select * from {{ ref('int_customer_health_components') }}
    where {{ incremental_months_filter('month', 'lineage') }}

),

scored as (

    select
        *,
        -- this month's average active users against last month's, capped at 1; no usage is 0,
        -- usage after a month without any is 1
        case
            when avg_active_users <= 0 then 0.0
            when previous_avg_active_users <= 0 then 1.0
            else least(avg_active_users / previous_avg_active_users, 1.0)
        end as usage_trend_score,
        -- average active users per paid seat, capped at 1; without seats, 1 if anyone uses it
        case
            when seats > 0 then least(cast(avg_active_users as double) / seats, 1.0)
            when avg_active_users > 0 then 1.0
            else 0.0
        end as seat_utilization_score,
        greatest(
            1.0
            - {{ ticket_penalty }} * tickets
            - {{ urgent_ticket_penalty }} * urgent_tickets
            - {{ risk_ticket_penalty }} * risk_tickets,
            0.0
        ) as ticket_score,
        case
            when latest_nps_score is null then {{ nps_missing_score }}
            when latest_nps_score >= 9 then 1.0
            when latest_nps_score >= 7 then 0.5
            else 0.0
        end as nps_score_component,
        case when past_due_invoices > 0 then 0.0 else 1.0 end as unpaid_invoice_score

    from components

),

weighted as (

    select
        *,
        round(
            100.0 * (
                {{ weight_usage_trend }} * usage_trend_score
                + {{ weight_seat_utilization }} * seat_utilization_score
                + {{ weight_tickets }} * ticket_score
                + {{ weight_nps }} * nps_score_component
                + {{ weight_unpaid_invoices }} * unpaid_invoice_score
            ) / (
                {{ weight_usage_trend }}
                + {{ weight_seat_utilization }}
                + {{ weight_tickets }}
                + {{ weight_nps }}
                + {{ weight_unpaid_invoices }}
            ),
            2
        ) as health_score

    from scored

)

select
    cast(customer_health_month_id as string) as customer_health_month_id,
    cast(customer_id as string) as customer_id,
    cast(month as date) as month,
    cast(mrr as decimal(38, 6)) as mrr,
    cast(avg_active_users as double) as avg_active_users,
    cast(previous_avg_active_users as double) as previous_avg_active_users,
    cast(seats as bigint) as seats,
    cast(tickets as bigint) as tickets,
    cast(urgent_tickets as bigint) as urgent_tickets,
    cast(risk_tickets as bigint) as risk_tickets,
    cast(latest_nps_score as integer) as latest_nps_score,
    cast(latest_nps_responded_at as timestamp) as latest_nps_responded_at,
    cast(past_due_invoices as bigint) as past_due_invoices,
    cast(usage_trend_score as double) as usage_trend_score,
    cast(seat_utilization_score as double) as seat_utilization_score,
    cast(ticket_score as double) as ticket_score,
    cast(nps_score_component as double) as nps_score_component,
    cast(unpaid_invoice_score as double) as unpaid_invoice_score,
    cast(health_score as double) as health_score,
    cast(
        case
            when health_score >= 70 then 'healthy'
            when health_score >= 40 then 'at_risk'
            else 'critical'
        end as string
    ) as health_band

from weighted
