-- NPS, monthly and trailing three months, lies within [-100, 100] and is null exactly when
-- there are no responses; the categories add up to the responses.
select *

from {{ ref('fct_nps_monthly') }}
where nps not between -100 and 100
    or trailing_3m_nps not between -100 and 100
    or (nps is null) <> (responses = 0)
    or (trailing_3m_nps is null) <> (trailing_3m_responses = 0)
    or promoters + passives + detractors <> responses
    or trailing_3m_promoters + trailing_3m_passives + trailing_3m_detractors <> trailing_3m_responses
