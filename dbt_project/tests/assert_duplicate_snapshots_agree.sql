{{ config(severity='warn', tags=['raw_audit']) }}
{#
    Warns about the snapshots whose landed copies disagree (same publication, metric and
    collection time; different reported values, or a reported and a withheld one): a
    collector wrote two readings under one collection time. Staging has already chosen one
    by its rule (`deduplicated_snapshots()`: a reported value over a withheld one, else the
    highest); this names the snapshots where it had to.
#}
select
    publication_id,
    platform,
    native_metric,
    collected_at,
    landed_copies,
    metric_value as kept_value
from {{ ref('stg_platforms__post_insight_snapshots') }}
where copies_disagree
