-- Net Promoter Score per month, from the month of the first response to the as_of month (months
-- without responses included): promoters (9-10), passives (7-8), detractors (0-6) and
-- nps = 100 x (promoters - detractors) / responses, passives counted in the denominator; the same
-- over the trailing three months M-2..M. nps is null when there are no responses.
with

responses as (

    select * from {{ ref('int_nps_responses_classified') }}

),

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

bounds as (

    select
        min(responses.month) as first_month,
        min(reporting_window.as_of_month) as last_month

    from responses
    cross join reporting_window

),

months as (

    {{ month_spine('(select first_month from bounds)', '(select last_month from bounds)') }}

),

monthly_counts as (

    select
        month,
        count(*) as responses,
        count(case when nps_category = 'promoter' then 1 end) as promoters,
        count(case when nps_category = 'passive' then 1 end) as passives,
        count(case when nps_category = 'detractor' then 1 end) as detractors

    from responses
    group by month

),

filled as (

    select
        months.month,
        coalesce(monthly_counts.responses, 0) as responses,
        coalesce(monthly_counts.promoters, 0) as promoters,
        coalesce(monthly_counts.passives, 0) as passives,
        coalesce(monthly_counts.detractors, 0) as detractors

    from months
    left join monthly_counts
        on months.month = monthly_counts.month

),

trailing_counts as (

    select
        filled.*,
        sum(responses) over trailing_3_months as trailing_3m_responses,
        sum(promoters) over trailing_3_months as trailing_3m_promoters,
        sum(passives) over trailing_3_months as trailing_3m_passives,
        sum(detractors) over trailing_3_months as trailing_3m_detractors

    from filled
    -- the spine has every month, so two rows back is M-2
    window trailing_3_months as (order by month rows between 2 preceding and current row)

)

select
    cast(month as date) as month,
    cast(responses as bigint) as responses,
    cast(promoters as bigint) as promoters,
    cast(passives as bigint) as passives,
    cast(detractors as bigint) as detractors,
    cast({{ divide('100 * (promoters - detractors)', 'responses') }} as double) as nps,
    cast(trailing_3m_responses as bigint) as trailing_3m_responses,
    cast(trailing_3m_promoters as bigint) as trailing_3m_promoters,
    cast(trailing_3m_passives as bigint) as trailing_3m_passives,
    cast(trailing_3m_detractors as bigint) as trailing_3m_detractors,
    cast(
        {{ divide('100 * (trailing_3m_promoters - trailing_3m_detractors)', 'trailing_3m_responses') }} as double
    ) as trailing_3m_nps

from trailing_counts
