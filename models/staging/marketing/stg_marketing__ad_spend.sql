with

source as (

    select * from {{ source('raw', 'marketing_ad_spend') }}

),

renamed as (

    select
        cast(spend_date as string) || '|' || lower(platform) || '|' || campaign_id as ad_spend_id,
        spend_date,
        lower(platform) as platform,
        campaign_id,
        campaign_name,
        nullif(lower(trim(utm_source)), '') as utm_source,
        nullif(lower(trim(utm_medium)), '') as utm_medium,
        nullif(lower(trim(utm_campaign)), '') as utm_campaign,
        currency,
        cast(spend as decimal(38, 6)) as spend_local,
        impressions,
        clicks

    from source

)

select * from renamed
