-- new, expansion and reactivation add MRR; contraction and churn remove it; churn ends at 0;
-- new and reactivation start from 0, expansion and contraction from a paying customer; fx moves
-- USD MRR only, of a customer paying in local currency before it; no movement is zero.
select *
from {{ ref('fct_mrr_movements') }}
where (movement_type in ('new', 'expansion', 'reactivation') and mrr_change_local <= 0)
    or (movement_type in ('contraction', 'churn') and mrr_change_local >= 0)
    or (movement_type = 'churn' and mrr_after <> 0)
    or (movement_type in ('new', 'reactivation') and mrr_before <> 0)
    or (movement_type = 'contraction' and mrr_after <= 0)
    or (movement_type = 'expansion' and mrr_before <= 0)
    or (movement_type = 'fx' and (mrr_change = 0 or mrr_change_local <> 0 or mrr_before <= 0))
