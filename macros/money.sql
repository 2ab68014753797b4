{#- Integer minor units (cents, whole yen) to an exact decimal amount in major units. -#}
{% macro minor_to_major(amount, exponent) -%}
    cast(cast({{ amount }} as decimal(38, 4)) * cast(power(10, -({{ exponent }})) as decimal(20, 4)) as decimal(38, 4))
{%- endmacro %}

{#- Money rounded to 6 decimals as an exact decimal: sums of these are exact and order-independent. -#}
{% macro to_money(expression) -%}
    cast(round({{ expression }}, 6) as decimal(38, 6))
{%- endmacro %}

{#- A sum of floating-point values that does not depend on the order in which a parallel
    aggregation adds them (re-builds give identical marts): each value is made an exact decimal of
    `digits` places first, and decimal sums are exact. -#}
{% macro stable_sum(expression, digits=15) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ digits }}))) as double)
{%- endmacro %}

{#- numerator / denominator as a double, null when the denominator is 0 or null. Every engine
    divides the two doubles, so rates agree to the last bit (Spark's decimal division would round
    to 6 places; DuckDB's returns a double). -#}
{% macro divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- For data tests: true where a stored ratio column disagrees with numerator / denominator
    recomputed (`divide`): one of them null and the other not, or apart by more than 1e-9 of the
    larger of 1 and the ratio. -#}
{% macro ratio_differs(column, numerator, denominator) -%}
    (
        ({{ column }} is null) != ({{ divide(numerator, denominator) }} is null)
        or abs({{ column }} - {{ divide(numerator, denominator) }})
        > 1e-9 * greatest(1, abs({{ divide(numerator, denominator) }}))
    )
{%- endmacro %}
