with

source as (

    select * from {{ source('raw', 'operating_expenses') }}

),

renamed as (

    select
        cast(expense_month as string) || '|' || lower(department) || '|' || lower(category) as operating_expense_id,
        cast(date_trunc('month', expense_month) as date) as expense_month,
        lower(department) as department,
        lower(category) as expense_category,
        currency,
        cast(amount as decimal(38, 6)) as amount_local

    from source

)

select * from renamed
