{#
    A repeated run lands the same snapshot again: keep one row per
    (publication_id, native_metric, collected_at). Copies are identical in practice; if
    they ever disagree, a reported value wins over a withheld (NULL) one, and the
    `assert_duplicate_snapshots_agree` test warns.
#}
with source_snapshots as (

    select * from {{ source('raw', 'post_insight_snapshots') }}

),

ranked_copies as (

    select
        publication_id,
        platform,
        external_post_id,
        metric as native_metric,
        value as metric_value,
        collected_at,
        partition_hour,
        api_version,
        run_id,
        source as collection_source,
        row_number() over (
            partition by publication_id, metric, collected_at
            order by case when value is null then 1 else 0 end, run_id
        ) as copy_number
    from source_snapshots

)

select
    publication_id,
    platform,
    external_post_id,
    native_metric,
    metric_value,
    collected_at,
    partition_hour,
    api_version,
    run_id,
    collection_source
from ranked_copies
where copy_number = 1
