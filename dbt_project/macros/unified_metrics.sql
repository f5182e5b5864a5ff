{#
    The cross-platform metric vocabulary, in column order. Every native metric maps to
    one of these through seeds/platform_metric_map.csv; models pivot and unpivot with
    this list, so a new unified metric is added here and in that seed's accepted values.
#}
{% macro unified_metrics() %}
    {{ return([
        'impressions',
        'reach',
        'video_views',
        'likes',
        'comments',
        'shares',
        'saves',
        'clicks',
        'engagements',
    ]) }}
{% endmacro %}
