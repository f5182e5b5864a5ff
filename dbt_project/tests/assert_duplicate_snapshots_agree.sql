{{ config(severity='warn', tags=['raw_audit']) }}
{#
    Copies of one snapshot (same publication, metric and collection time) are expected to
    be identical; staging keeps one. Warns when copies disagree on the value, which means
    a collector wrote two different readings under one collection time.
#}
select
    publication_id,
    metric,
    collected_at,
    count(*) as copies,
    count(distinct value) as distinct_values,
    count(value) as reported_copies
from {{ source('raw', 'post_insight_snapshots') }}
group by publication_id, metric, collected_at
having count(distinct value) > 1
    or (count(value) > 0 and count(value) < count(*))
