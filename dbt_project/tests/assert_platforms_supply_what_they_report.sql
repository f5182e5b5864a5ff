{#
    The seed `platforms` says which unified metrics each platform supplies; the explicit
    mapping in int_post_insights__unified_snapshots decides what it reports. A platform
    reporting a metric the seed says it lacks would show NULL in the marts: returns the
    platforms and metrics out of step.
#}
{{ config(meta={'dagster': {'ref': {'name': 'dim_platforms'}}}) }}
{%- for metric in unified_metrics() %}
select
    lifetimes.platform,
    '{{ metric }}' as unified_metric
from {{ ref('fct_post_lifetime') }} as lifetimes
inner join {{ ref('dim_platforms') }} as platforms
    on lifetimes.platform = platforms.platform
where lifetimes.{{ metric }} is not null
    and not platforms.supplies_{{ metric }}
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
