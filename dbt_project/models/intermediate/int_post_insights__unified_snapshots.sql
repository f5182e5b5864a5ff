{#
    Native metrics -> unified metrics, through seeds/platform_metric_map.csv. A unified
    metric of a snapshot is the sum of the native values mapped to it that the platform
    reported; it is NULL when the platform has no such metric or withheld every value
    feeding it. A snapshot whose native metrics feed no unified metric still gets a row.
#}
with snapshots as (

    select * from {{ ref('stg_platforms__post_insight_snapshots') }}

),

metric_map as (

    select * from {{ ref('platform_metric_map') }}
    where unified_metric is not null

),

unified_metric_values as (

    select
        snapshots.publication_id,
        snapshots.platform,
        snapshots.collected_at,
        metric_map.unified_metric,
        snapshots.metric_value
    from snapshots
    left join metric_map
        on snapshots.platform = metric_map.platform
        and (
            (metric_map.match_type = 'exact' and snapshots.native_metric = metric_map.native_metric)
            or (
                metric_map.match_type = 'prefix'
                and left(snapshots.native_metric, {{ dbt.length('metric_map.native_metric') }}) = metric_map.native_metric
            )
        )

)

select
    publication_id,
    platform,
    collected_at,
    {%- for metric in unified_metrics() %}
    cast(sum(case when unified_metric = '{{ metric }}' then metric_value end) as {{ dbt.type_bigint() }}) as {{ metric }}
    {{- "," if not loop.last }}
    {%- endfor %}
from unified_metric_values
group by publication_id, platform, collected_at
