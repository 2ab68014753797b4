with

source as (

    select * from {{ source('raw', 'crm_lifecycle_stage_history') }}

),

renamed as (

    select
        contact_id || '|' || lower(lifecycle_stage) || '|' || strftime(entered_at, '%Y-%m-%dT%H:%M:%S.%f')
            as lifecycle_stage_change_id,
        contact_id,
        lower(lifecycle_stage) as lifecycle_stage,
        entered_at

    from source

)

select * from renamed
