{#
    The summary (sum over posts of the latest lifetime values) and the daily mart (sum of
    hourly deltas) tell the same totals per campaign, and count the same posts.
    Returns the campaigns and measures that disagree.
#}
{{ config(meta={'dagster': {'ref': {'name': 'campaign_performance__summary'}}}) }}
with daily_totals as (

    select
        campaign_id,
        sum(posts_published) as posts_published,
        {%- for metric in unified_metrics() %}
        sum({{ metric }}) as {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('campaign_performance__daily') }}
    group by campaign_id

),

summary as (

    select * from {{ ref('campaign_performance__summary') }}

)

{%- for measure in ['posts_published'] + unified_metrics() %}
select
    summary.campaign_id,
    '{{ measure }}' as measure,
    summary.{{ measure }} as summary_value,
    daily_totals.{{ measure }} as daily_value
from summary
left join daily_totals
    on summary.campaign_id = daily_totals.campaign_id
where coalesce(summary.{{ measure }}, 0) <> coalesce(daily_totals.{{ measure }}, 0)
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
