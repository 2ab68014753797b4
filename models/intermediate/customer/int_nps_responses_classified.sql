-- NPS responses up to as_of with the respondent's company (the response's company_id, or its
-- contact's company when the response has none) and their category: promoter (9-10), passive
-- (7-8), detractor (0-6). Responses of companies whose only billing customers are test accounts
-- are left out; responses without a known company are kept.
with

responses as (

    select * from {{ ref('stg_crm__nps_responses') }}

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

resolved as (

    select
        responses.nps_response_id,
        responses.contact_id,
        coalesce(responses.company_id, contacts.company_id) as company_id,
        responses.nps_score,
        responses.responded_at

    from responses
    left join contacts
        on responses.contact_id = contacts.contact_id
    where responses.responded_at < {{ reporting_window_bound('as_of_ts') }}

),

kept as (

    select resolved.*

    from resolved
    left join test_only_companies
        on resolved.company_id = test_only_companies.company_id
    where test_only_companies.company_id is null

)

select
    nps_response_id,
    contact_id,
    company_id,
    nps_score,
    responded_at,
    {{ month_of('responded_at') }} as month,
    case
        when nps_score >= 9 then 'promoter'
        when nps_score >= 7 then 'passive'
        else 'detractor'
    end as nps_category

from kept
