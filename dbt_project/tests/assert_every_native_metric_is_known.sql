{{ config(severity='warn', tags=['raw_audit']) }}
{#
    Warns about native metrics the collectors write that no staging model pivots (see
    macros/native_metrics.sql): a new platform or a renamed metric whose values would
    otherwise be silently left out of the unified metrics.
#}
select distinct
    platform,
    metric
from {{ source('raw', 'post_insight_snapshots') }}
where not (
    {%- for platform in ['facebook', 'instagram', 'youtube', 'linkedin', 'tiktok', 'x'] %}
    (platform = '{{ platform }}' and metric in (
        {%- for metric in native_metrics(platform).values() -%}
        '{{ metric }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    ){%- if platform == 'facebook' %} or platform = 'facebook' and metric like '{{ facebook_reaction_prefix() }}%'{% endif %})
    {{- " or" if not loop.last }}
    {%- endfor %}
)
