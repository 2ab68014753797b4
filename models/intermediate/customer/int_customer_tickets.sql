-- Support tickets linked to the billing customers of the ticket's company: the ticket's
-- company_id, or its contact's company when the ticket has none. A ticket of a company with
-- several billing customers appears once per customer. Test customers, tickets of companies
-- without a billing customer, and tickets created at or after as_of_ts are left out.
with

tickets as (

    select * from {{ ref('stg_crm__tickets') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

ticket_companies as (

    select
        tickets.ticket_id,
        coalesce(tickets.company_id, contacts.company_id) as company_id,
        tickets.ticket_category,
        tickets.ticket_priority,
        tickets.created_at

    from tickets
    left join contacts
        on tickets.contact_id = contacts.contact_id
    where tickets.created_at < {{ reporting_window_bound('as_of_ts') }}

),

customer_companies as (

    select
        customer_id,
        company_id

    from customers
    where not is_test
        and company_id is not null

),

customer_tickets as (

    select
        ticket_companies.ticket_id,
        customer_companies.customer_id,
        ticket_companies.company_id,
        ticket_companies.ticket_category,
        ticket_companies.ticket_priority,
        ticket_companies.created_at

    from ticket_companies
    inner join customer_companies
        on ticket_companies.company_id = customer_companies.company_id

)

select
    ticket_id || '|' || customer_id as customer_ticket_id,
    ticket_id,
    customer_id,
    company_id,
    ticket_category,
    ticket_priority,
    created_at,
    {{ month_of('created_at') }} as month,
    coalesce(ticket_priority = 'urgent', false) as is_urgent,
    coalesce(ticket_category in ('discount_request', 'competitor_mention', 'cancellation_request'), false)
        as is_risk_category

from customer_tickets
