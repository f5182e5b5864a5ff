{#
    Platform x day: the growth of every post on the platform during the day, the posts it
    published, and the rates. A metric the platform lacks is NULL; one it has is 0 on a
    day without growth.
#}
{%- set metrics = unified_metrics() %}
with growth as (

    select
        platform,
        day,
        count(case when snapshot_hours > 0 then 1 end) as posts_measured,
        {%- for metric in metrics %}
        sum({{ metric }}_delta) as {{ metric }},
        {%- endfor %}
        sum(counter_decreases) as counter_decreases,
        sum(report_watch_minutes) as report_watch_minutes
    from {{ ref('fct_post_daily') }}
    group by platform, day

),

published as (

    select
        platform,
        published_date as day,
        count(*) as posts_published
    from {{ ref('dim_posts') }}
    where is_published
    group by platform, published_date

),

platform_days as (

    select platform, day from growth
    union
    select platform, day from published

)

select
    platform_days.platform,
    platforms.display_name as platform_name,
    platform_days.day,
    coalesce(published.posts_published, 0) as posts_published,
    coalesce(growth.posts_measured, 0) as posts_measured,
    {%- for metric in metrics %}
    case
        when platforms.supplies_{{ metric }}
            then cast(coalesce(growth.{{ metric }}, 0) as {{ dbt.type_bigint() }})
    end as {{ metric }},
    {%- endfor %}
    {{ safe_ratio('growth.engagements', 'growth.impressions') }} as engagement_rate,
    {{ safe_ratio('growth.clicks', 'growth.impressions') }} as click_through_rate,
    cast(coalesce(growth.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
    growth.report_watch_minutes
from platform_days
inner join {{ ref('dim_platforms') }} as platforms
    on platform_days.platform = platforms.platform
left join growth
    on platform_days.platform = growth.platform
    and platform_days.day = growth.day
left join published
    on platform_days.platform = published.platform
    and platform_days.day = published.day
