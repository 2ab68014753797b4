{#- Item MRR in major units of the price's currency (metrics.md, "Item MRR"):
    max(unit_amount * quantity * (1 - percent/100) - amount_off, 0) / 10^exponent / months_per_interval,
    rounded to 6 decimals as an exact decimal. -#}
{% macro item_mrr(unit_amount_minor, quantity, discount_percent, discount_amount_minor, exponent, months_per_interval) -%}
    {{ to_money(
        'greatest(cast(' ~ unit_amount_minor ~ ' as double) * ' ~ quantity
        ~ ' * (1 - coalesce(' ~ discount_percent ~ ', 0) / 100.0) - coalesce(' ~ discount_amount_minor ~ ', 0), 0)'
        ~ ' / power(10, ' ~ exponent ~ ') / ' ~ months_per_interval
    ) }}
{%- endmacro %}

{#- A local MRR amount in USD at a rate, rounded as money. -#}
{% macro to_usd(amount_local, usd_per_unit) -%}
    {{ to_money('cast(' ~ amount_local ~ ' as double) * ' ~ usd_per_unit) }}
{%- endmacro %}

{#- A month's FX rate that must exist: a currency with no rate at all stops the build, naming it. -#}
{% macro required_fx_rate(usd_per_unit, currency) -%}
    case
        when {{ usd_per_unit }} is null
            then cast({{ raise_data_error("'no FX rate for currency ' || " ~ currency ~ " || ' in fx_rates: add its rows to fx_rates'") }} as double)
        else {{ usd_per_unit }}
    end
{%- endmacro %}

{#- The customers active at a month's end, one row per customer and month, from rows of
    fct_customer_mrr_monthly (one per customer, month and currency): active when any of its rows
    is, with the month's MRR in USD summed over them. `customer_months` names the relation or CTE
    that holds those rows. -#}
{% macro active_customer_months_from(customer_months) -%}
    select
        customer_id,
        month,
        sum(mrr) as mrr

    from {{ customer_months }}
    group by customer_id, month
    having bool_or(is_active)
{%- endmacro %}
