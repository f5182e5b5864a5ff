{#
    LinkedIn organizational share statistics (REST, LinkedIn-Version 202411), one row per
    publication and collection time, a column per native metric.
#}
with native_snapshots as (

    {{ platform_snapshots('linkedin') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('linkedin') }}
from native_snapshots
group by publication_id, collected_at
