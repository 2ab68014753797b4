with

source as (

    select * from {{ source('raw', 'web_sessions') }}

),

renamed as (

    select
        session_id,
        anonymous_id,
        contact_id,
        started_at,
        landing_page,
        nullif(lower(trim(referrer_domain)), '') as referrer_domain,
        nullif(lower(trim(utm_source)), '') as utm_source,
        nullif(lower(trim(utm_medium)), '') as utm_medium,
        nullif(lower(trim(utm_campaign)), '') as utm_campaign,
        pageviews

    from source

)

select * from renamed
