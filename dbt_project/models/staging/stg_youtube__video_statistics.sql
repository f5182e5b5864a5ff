{#
    YouTube video statistics (Data API v3, hourly), one row per publication and collection
    time, a column per native metric.
    `favorite_count` is deprecated and always 0: collected, used by nothing.
#}
with native_snapshots as (

    {{ platform_snapshots('youtube') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('youtube') }}
from native_snapshots
group by publication_id, collected_at
