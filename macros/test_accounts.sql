{#- The companies whose billing customers are all test accounts (is_test): the CRM records of such a
    company (NPS responses, demos) are test activity and are left out like the test customers
    themselves. A company with at least one real customer, or with none, keeps its records.
    `customers` is a relation or CTE with the columns of stg_billing__customers. -#}
{% macro test_only_companies(customers) -%}
    select company_id

    from {{ customers }}
    where company_id is not null
    group by company_id
    having bool_and(is_test)
{%- endmacro %}
