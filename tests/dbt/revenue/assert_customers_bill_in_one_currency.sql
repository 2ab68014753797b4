-- A customer bills in one currency; MRR in two currencies is a data error (edge rule 6).
-- The failing rows name the customers and their currencies.
select
    customer_id,
    string_agg(distinct currency, ', ') as currencies

from {{ ref('int_subscription_items_priced') }}
where item_mrr_local > 0
group by customer_id
having count(distinct currency) > 1
