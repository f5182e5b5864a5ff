{#
    A roll-up equals the sum of its parts, per campaign and measure: the summary's totals
    = the daily mart summed over days and platforms = the posts' lifetime values summed
    = the account-day fact summed. Returns the campaigns and measures that disagree.
#}
{{ config(meta={'dagster': {'ref': {'name': 'campaign_performance__summary'}}}) }}
{%- set measures = ['posts_published'] + unified_metrics() %}
with summary as (

    select * from {{ ref('campaign_performance__summary') }}

),

daily_totals as (

    select
        campaign_id,
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('campaign_performance__daily') }}
    group by campaign_id

),

post_totals as (

    select
        posts.campaign_id,
        count(case when posts.is_published then 1 end) as posts_published,
        {%- for metric in unified_metrics() %}
        sum(lifetimes.{{ metric }}) as {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('dim_posts') }} as posts
    left join {{ ref('fct_post_lifetime') }} as lifetimes
        on posts.publication_id = lifetimes.publication_id
    group by posts.campaign_id

)

{%- for measure in measures %}
select
    summary.campaign_id,
    '{{ measure }}' as measure,
    summary.{{ measure }} as summary_value,
    daily_totals.{{ measure }} as daily_value,
    post_totals.{{ measure }} as post_value
from summary
left join daily_totals
    on summary.campaign_id = daily_totals.campaign_id
left join post_totals
    on summary.campaign_id = post_totals.campaign_id
where coalesce(summary.{{ measure }}, 0) <> coalesce(daily_totals.{{ measure }}, 0)
    or coalesce(summary.{{ measure }}, 0) <> coalesce(post_totals.{{ measure }}, 0)
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
