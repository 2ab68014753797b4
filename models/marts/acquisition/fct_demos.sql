-- One row per demo requested before as_of_ts: held or not, and converted when the contact's
-- company's customer has its `new` movement within 90 days after held_at (inclusive). Demos of a
-- company whose billing customers are all test accounts are left out (as its NPS responses are);
-- demos of contacts without a known company are kept.
with

demos as (

    select * from {{ ref('stg_crm__demos') }}

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

conversions as (

    select * from {{ ref('int_conversions') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

demos_in_window as (

    select
        demos.demo_id,
        demos.contact_id,
        contacts.company_id,
        demos.demo_type,
        demos.requested_at,
        case when demos.held_at < reporting_window.as_of_ts then demos.held_at end as held_at

    from demos
    cross join reporting_window
    left join contacts
        on demos.contact_id = contacts.contact_id
    left join test_only_companies
        on contacts.company_id = test_only_companies.company_id
    where demos.requested_at < reporting_window.as_of_ts
        and test_only_companies.company_id is null

),

demo_conversions as (

    select
        demos_in_window.demo_id,
        min(conversions.converted_at) as converted_at

    from demos_in_window
    inner join conversions
        on demos_in_window.company_id = conversions.company_id
            and demos_in_window.held_at <= conversions.converted_at
            and conversions.converted_at <= demos_in_window.held_at + interval 90 day
    group by demos_in_window.demo_id

)

select
    cast(demos_in_window.demo_id as string) as demo_id,
    cast(demos_in_window.contact_id as string) as contact_id,
    cast(demos_in_window.company_id as string) as company_id,
    cast(demos_in_window.demo_type as string) as demo_type,
    cast(demos_in_window.requested_at as timestamp) as requested_at,
    cast(demos_in_window.held_at as timestamp) as held_at,
    cast({{ month_of('demos_in_window.requested_at') }} as date) as requested_month,
    cast({{ month_of('demos_in_window.held_at') }} as date) as held_month,
    cast(demos_in_window.held_at is not null as boolean) as is_held,
    cast(demo_conversions.converted_at is not null as boolean) as is_converted,
    cast(demo_conversions.converted_at as timestamp) as converted_at,
    cast({{ divide(seconds_between('demos_in_window.requested_at', 'demo_conversions.converted_at'), '86400') }} as double)
        as days_request_to_paid

from demos_in_window
left join demo_conversions
    on demos_in_window.demo_id = demo_conversions.demo_id
