-- Each customer's first non-fx movement is `new`; after it, churn and reactivation alternate
-- (a churn is followed by a reactivation before the next churn), and `new` happens once.
with

lifecycle as (

    select
        customer_id,
        occurred_at,
        movement_type,
        lag(movement_type) over (partition by customer_id order by occurred_at) as previous_type

    from {{ ref('fct_mrr_movements') }}
    where movement_type in ('new', 'churn', 'reactivation')

)

select * from lifecycle
where (previous_type is null and movement_type <> 'new')
    or (previous_type is not null and movement_type = 'new')
    or (movement_type = 'churn' and previous_type = 'churn')
    or (movement_type = 'reactivation' and previous_type <> 'churn')
