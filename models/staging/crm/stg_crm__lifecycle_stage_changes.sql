with

source as (

    select * from {{ source('raw', 'crm_lifecycle_stage_history') }}

),

renamed as (

    select
        contact_id || '|' || lower(lifecycle_stage) || '|' || {{ timestamp_key('entered_at') }}
            as lifecycle_stage_change_id,
        contact_id,
        lower(lifecycle_stage) as lifecycle_stage,
        entered_at

    from source

)

select * from renamed
