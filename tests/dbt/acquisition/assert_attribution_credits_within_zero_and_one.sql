-- Every attribution credit lies in (0, 1]: zero-credit rows are omitted, and no touch gets more
-- than the whole conversion.
select
    attribution_id,
    customer_id,
    touchpoint_id,
    attribution_model,
    credit

from {{ ref('fct_attribution') }}
where credit is null
    or credit <= 0
    or credit > 1
