{# Fails for every row where the boolean `expression` is false (NULL passes). #}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
