{#
    The one rule for copies of a snapshot in raw.post_insight_snapshots: one row per
    (publication_id, native metric, collected_at). A run repeated after its rows landed
    lands the same snapshot again, so copies are expected.

    - A reported value wins over a withheld one (NULL): the snapshot is NULL only when every
      copy was withheld.
    - Copies reporting different values give the highest. They are lifetime counters read
      at one instant: the higher one has counted more. The choice depends on the values
      alone, never on which run landed first or on run ids, so an incremental run, a rerun
      and a full refresh keep the same value whatever order the copies landed in. A platform
      restating a counter downwards does it in a later reading (a new collected_at), which
      this leaves alone.

    `copies_disagree` marks the snapshots where the rule had to choose (reported values that
    differ, or reported and withheld copies): `assert_duplicate_snapshots_agree` warns about
    them, since a collector should not write two readings under one collection time.

    The grouping keeps the hourly build as fast as a single pivot: platform is a key (one per
    publication, so the grain is unchanged) so that a filter on platform, like one on
    collected_at, reaches the scan of the raw table; publication_id and collected_at come
    first so that PostgreSQL sorts once for this and for the per-platform pivot, which
    groups on those two.

    Read through stg_platforms__post_insight_snapshots; the per-platform staging models pivot
    its rows (`platform_snapshots`, `native_metric_columns`).
#}
{% macro deduplicated_snapshots() %}
    select
        publication_id,
        platform,
        max(external_post_id) as external_post_id,
        metric as native_metric,
        max(value) as metric_value,
        collected_at,
        max(api_version) as api_version,
        count(*) as landed_copies,
        count(value) between 1 and count(*) - 1
            or coalesce(min(value) < max(value), false) as copies_disagree
    from {{ source('raw', 'post_insight_snapshots') }}
    group by publication_id, collected_at, platform, metric
{% endmacro %}

{#
    One platform's deduplicated snapshots (long format: publication, native metric,
    collection time, value), for a per-platform staging model to pivot.
#}
{% macro platform_snapshots(platform) %}
    select
        publication_id,
        external_post_id,
        native_metric,
        metric_value,
        collected_at,
        api_version
    from {{ ref('stg_platforms__post_insight_snapshots') }}
    where platform = '{{ platform }}'
{% endmacro %}

{#
    The pivot of a platform's snapshots to one row per (publication, collection time), a
    column per native metric (`native_metrics(platform)`), for a query over
    `platform_snapshots(platform)` grouped by publication_id and collected_at. Copies are
    already collapsed, so each metric has at most one row per group: `max` only picks it. A
    metric absent from a snapshot is NULL, like a withheld one, unless `absent_means_zero`
    names its column.
#}
{% macro native_metric_columns(platform, absent_means_zero=[]) %}
    {%- for column, metric in native_metrics(platform).items() %}
    {%- set pivoted = "max(case when native_metric = '" ~ metric ~ "' then metric_value end)" %}
    {%- if column in absent_means_zero %}
    cast(coalesce({{ pivoted }}, 0) as {{ dbt.type_bigint() }}) as {{ column }}
    {%- else %}
    cast({{ pivoted }} as {{ dbt.type_bigint() }}) as {{ column }}
    {%- endif %}
    {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}
