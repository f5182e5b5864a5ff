{{ config(meta={'dagster': {'ref': {'name': 'stg_platforms__post_insight_snapshots'}}}) }}
{{ config(severity='warn') }}
{#
    Warns about native metrics the collectors write that the seed platform_metric_map does
    not know (neither mapped nor deliberately ignored): a new platform or a renamed metric
    whose values would otherwise be silently left out of the unified metrics.
#}
with native_metrics as (

    select distinct
        platform,
        native_metric
    from {{ ref('stg_platforms__post_insight_snapshots') }}

),

metric_map as (

    select * from {{ ref('platform_metric_map') }}

)

select
    native_metrics.platform,
    native_metrics.native_metric
from native_metrics
where not exists (
    select 1
    from metric_map
    where metric_map.platform = native_metrics.platform
        and (
            (metric_map.match_type = 'exact' and metric_map.native_metric = native_metrics.native_metric)
            or (
                metric_map.match_type = 'prefix'
                and left(native_metrics.native_metric, {{ dbt.length('metric_map.native_metric') }}) = metric_map.native_metric
            )
        )
)
