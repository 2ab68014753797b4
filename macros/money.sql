{#- Integer minor units (cents, whole yen) to an exact decimal amount in major units. -#}
{% macro minor_to_major(amount, exponent) -%}
    cast(cast({{ amount }} as decimal(38, 4)) * cast(power(10, -({{ exponent }})) as decimal(20, 4)) as decimal(38, 4))
{%- endmacro %}

{#- Money rounded to 6 decimals as an exact decimal: sums of these are exact and order-independent. -#}
{% macro to_money(expression) -%}
    cast(round({{ expression }}, 6) as decimal(38, 6))
{%- endmacro %}
