{#
    X tweet metrics (API v2 /2/tweets), one row per publication and collection time, a
    column per native metric. The non-public
    metrics (`url_link_clicks`, `user_profile_clicks`) are only answered for tweets up to
    30 days old: NULL after that.
#}
with native_snapshots as (

    {{ platform_snapshots('x') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('x') }}
from native_snapshots
group by publication_id, collected_at
