-- Every health score lies within [0, 100], each component within [0, 1], and the band agrees
-- with the score (healthy >= 70, at_risk >= 40, critical below).
select *

from {{ ref('fct_customer_health_monthly') }}
where health_score not between 0 and 100
    or usage_trend_score not between 0 and 1
    or seat_utilization_score not between 0 and 1
    or ticket_score not between 0 and 1
    or nps_score_component not between 0 and 1
    or unpaid_invoice_score not between 0 and 1
    or health_band <> case
        when health_score >= 70 then 'healthy'
        when health_score >= 40 then 'at_risk'
        else 'critical'
    end
