{#
    Instagram media insights (Graph API v24.0), one row per publication and collection
    time, a column per native metric. Instagram withholds every value of a post with "not
    enough viewers": those stay NULL.
#}
with native_snapshots as (

    {{ platform_snapshots('instagram') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('instagram') }}
from native_snapshots
group by publication_id, collected_at
