{#
    One platform's rows of raw.post_insight_snapshots (long format: publication, native
    metric, collection time, value). The same snapshot can be there more than once.
#}
{% macro platform_snapshots(platform) %}
    select
        publication_id,
        external_post_id,
        metric,
        collected_at,
        value,
        api_version
    from {{ source('raw', 'post_insight_snapshots') }}
    where platform = '{{ platform }}'
{% endmacro %}

{#
    The pivot of a platform's snapshots to one row per (publication, collection time), a
    column per native metric (`native_metrics(platform)`), for a query grouped by
    publication_id and collected_at. `max` collapses the copies a repeated run lands: they
    agree in practice (the `assert_duplicate_snapshots_agree` test warns otherwise; if they
    ever disagree the highest reported value wins), and a withheld value (NULL) stays NULL
    only when every copy withheld it. A metric absent from a snapshot is NULL, like a
    withheld one, unless `absent_means_zero` names its column.
#}
{% macro native_metric_columns(platform, absent_means_zero=[]) %}
    {%- for column, metric in native_metrics(platform).items() %}
    {%- set pivoted = "max(case when metric = '" ~ metric ~ "' then value end)" %}
    {%- if column in absent_means_zero %}
    cast(coalesce({{ pivoted }}, 0) as {{ dbt.type_bigint() }}) as {{ column }}
    {%- else %}
    cast({{ pivoted }} as {{ dbt.type_bigint() }}) as {{ column }}
    {%- endif %}
    {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}
