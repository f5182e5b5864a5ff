{#
    The cross-platform metric vocabulary, in column order. Models pivot, sum and carry
    forward with this list; the explicit per-platform mapping to it lives in
    int_post_insights__unified_snapshots, and which platform supplies which metric in the
    seed `platforms`.
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
