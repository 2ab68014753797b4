{#- Fails on every combination of the given columns that occurs more than once: a composite key
    checked on the columns themselves, without building a text key per row. -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
