{#
    The key test of a model, in one scan: fails for every combination of `columns` that is
    NULL in any column or appears more than once. Cheaper than `not_null` on each column
    plus `unique_combination` on views that re-read a large source.
#}
{% test primary_key(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
