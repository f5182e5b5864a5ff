{#
    Which unified metrics each mapped platform has at all. A platform without a metric
    reports it as NULL in the marts; a platform with it reports 0 when nothing grew.
#}
with metric_map as (

    select * from {{ ref('platform_metric_map') }}
    where unified_metric is not null

)

select
    platform,
    {%- for metric in unified_metrics() %}
    {{ dbt.bool_or("unified_metric = '" ~ metric ~ "'") }} as has_{{ metric }}
    {{- "," if not loop.last }}
    {%- endfor %}
from metric_map
group by platform
