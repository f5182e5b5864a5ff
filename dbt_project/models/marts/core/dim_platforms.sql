{# One row per platform: reference data from the seed `platforms`. #}
select
    platform,
    display_name,
    api,
    engagement_definition,
    reporting_lag_hours,
    {%- for metric in unified_metrics() %}
    supplies_{{ metric }},
    {%- endfor %}
    {% for metric in unified_metrics() -%}
    case when supplies_{{ metric }} then 1 else 0 end
    {%- if not loop.last %} + {% endif %}
    {%- endfor %} as supplied_metrics
from {{ ref('platforms') }}
