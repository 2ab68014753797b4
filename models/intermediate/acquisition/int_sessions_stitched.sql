-- Compiled into fct_touchpoints, its only reader, which stores the result month by month
-- (incrementally): a table here would be a second full copy of every session, and as a part of
-- its reader's query the reporting window is a constant (macros/reporting_window.sql). A table on
-- Spark, like every intermediate model there.
{{ config(materialized='table' if target.type == 'spark' else 'ephemeral') }}

-- Every web session before as_of_ts with the contact it belongs to: its own contact_id, or, for
-- an anonymous session, the contact its cookie was identified as (crm_contacts.anonymous_id, or
-- another session with that cookie and a contact). Among several candidates the earliest-created
-- contact wins, then the lowest contact_id; only contacts in crm_contacts created before as_of_ts
-- are candidates.
with

sessions as (

    select * from {{ ref('stg_web__sessions') }}

),

-- the sessions that carry a contact, read apart from `sessions`: DuckDB stores a CTE that is read
-- twice whole before either reader runs, which would hold every session in memory at once
identified_sessions as (

    select * from {{ ref('stg_web__sessions') }}
    where contact_id is not null

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

sessions_in_window as (

    select sessions.*

    from sessions
    where sessions.started_at < {{ reporting_window_bound('as_of_ts') }}

),

cookie_candidates as (

    select
        anonymous_id,
        contact_id

    from contacts
    where anonymous_id is not null

    union

    select
        identified_sessions.anonymous_id,
        identified_sessions.contact_id

    from identified_sessions
    where identified_sessions.started_at < {{ reporting_window_bound('as_of_ts') }}

),

cookie_owners as (

    select
        cookie_candidates.anonymous_id,
        {{ first_by('contacts.contact_id', ['contacts.created_at', 'contacts.contact_id']) }} as contact_id

    from cookie_candidates
    inner join contacts
        on cookie_candidates.contact_id = contacts.contact_id
    -- a contact created after the reporting window does not exist yet as of as_of
    where contacts.created_at < {{ reporting_window_bound('as_of_ts') }}
    group by cookie_candidates.anonymous_id

)

select
    sessions_in_window.session_id,
    sessions_in_window.anonymous_id,
    sessions_in_window.contact_id as identified_contact_id,
    coalesce(sessions_in_window.contact_id, cookie_owners.contact_id) as contact_id,
    sessions_in_window.contact_id is null and cookie_owners.contact_id is not null as is_stitched,
    sessions_in_window.started_at,
    sessions_in_window.landing_page,
    sessions_in_window.referrer_domain,
    sessions_in_window.utm_source,
    sessions_in_window.utm_medium,
    sessions_in_window.utm_campaign,
    sessions_in_window.pageviews,
    {{ month_of('sessions_in_window.started_at') }} as session_month

from sessions_in_window
left join cookie_owners
    on sessions_in_window.anonymous_id = cookie_owners.anonymous_id
