{#
    TikTok video metrics (Display API v2 /video/query/), one row per publication and
    collection time, a column per native metric.
#}
with native_snapshots as (

    {{ platform_snapshots('tiktok') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('tiktok') }}
from native_snapshots
group by publication_id, collected_at
