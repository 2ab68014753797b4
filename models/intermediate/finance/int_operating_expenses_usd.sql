-- Operating expenses up to the as_of month in USD at the FX rate of their month, flagged when
-- they are cost of service (departments support, customer_success and infrastructure).
with

expenses as (

    select * from {{ ref('stg_finance__operating_expenses') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

in_window as (

    select expenses.*

    from expenses
    cross join reporting_window
    where expenses.expense_month <= reporting_window.as_of_month

),

converted as (

    select
        in_window.operating_expense_id,
        in_window.expense_month as month,
        in_window.department,
        in_window.expense_category,
        in_window.currency,
        in_window.amount_local,
        {{ required_fx_rate('fx_rates.usd_per_unit', 'in_window.currency') }} as usd_per_unit

    from in_window
    left join fx_rates
        on in_window.currency = fx_rates.currency
            and in_window.expense_month = fx_rates.month

)

select
    operating_expense_id,
    month,
    department,
    expense_category,
    currency,
    amount_local,
    usd_per_unit,
    {{ to_usd('amount_local', 'usd_per_unit') }} as amount,
    department in ('support', 'customer_success', 'infrastructure') as is_cost_of_service

from converted
