-- The contact stages the funnel counts: int_contact_stages without the contacts of companies whose
-- billing customers are all test accounts (their CRM records are test activity, as their demos and
-- NPS responses are). Contacts of a company with a real customer, of no company, or missing from
-- crm_contacts are kept. A view, so a change of a customer's test flag reaches every build.
with

stages as (

    select * from {{ ref('int_contact_stages') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

customers as (

    select * from {{ ref('stg_billing__customers') }}

),

test_only_companies as (

    {{ test_only_companies('customers') }}

),

test_only_contacts as (

    select contacts.contact_id

    from contacts
    inner join test_only_companies
        on contacts.company_id = test_only_companies.company_id

)

select
    stages.contact_id,
    stages.funnel_stage,
    stages.stage_rank,
    stages.entered_at,
    stages.entered_month,
    stages.next_stage_at

from stages
left join test_only_contacts
    on stages.contact_id = test_only_contacts.contact_id
where test_only_contacts.contact_id is null
