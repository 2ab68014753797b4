-- fct_cac_by_channel and fct_cac_by_campaign have a row in every attribution model for each cell
-- (month and channel; month and campaign) that any model has (metrics.md "CAC": rows for every
-- (month, channel) with spend or credit, in every model; the semantic layer divides by the number
-- of models on that promise), and cac = spend / new_customers, null where no customer is credited.
with

models as (

    {{ attribution_models() }}

),

channel_rows as (

    select
        'fct_cac_by_channel' as mart,
        month,
        channel as cell,
        attribution_model,
        spend,
        new_customers,
        cac

    from {{ ref('fct_cac_by_channel') }}

),

campaign_rows as (

    select
        'fct_cac_by_campaign' as mart,
        month,
        coalesce(utm_campaign, '(none)') as cell,
        attribution_model,
        spend,
        new_customers,
        cac

    from {{ ref('fct_cac_by_campaign') }}

),

all_rows as (

    select * from channel_rows
    union all
    select * from campaign_rows

),

cells as (

    select distinct
        mart,
        month,
        cell

    from all_rows

),

missing as (

    select
        cells.mart,
        cells.month,
        cells.cell,
        'no row in model ' || models.attribution_model as failure

    from cells
    cross join models
    left join all_rows
        on
            cells.mart = all_rows.mart
            and cells.month = all_rows.month
            and cells.cell = all_rows.cell
            and models.attribution_model = all_rows.attribution_model
    where all_rows.mart is null

),

wrong_cac as (

    select
        mart,
        month,
        cell,
        'cac <> spend / new_customers in model ' || attribution_model as failure

    from all_rows
    where {{ ratio_differs('cac', 'spend', 'new_customers') }}

)

select * from missing
union all
select * from wrong_cac
