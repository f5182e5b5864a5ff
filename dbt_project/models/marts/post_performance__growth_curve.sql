{#
    Post x hours since publish (0..168): per unified metric the lifetime value at the end
    of the clock hour `hours_since_publish` hours after the hour of publish (hour 0 holds
    published_at). An hour without a snapshot carries the last known value forward; hours
    before the first snapshot are NULL; hours after the post's latest snapshot are absent.
#}
{%- set metrics = unified_metrics() %}
with posts as (

    select
        publication_id,
        platform,
        campaign_id,
        {{ dbt.date_trunc('hour', 'published_at') }} as publish_hour
    from {{ ref('dim_posts') }}
    where published_at is not null

),

measured_posts as (

    select
        posts.*,
        {{ dbt.datediff('posts.publish_hour', 'lifetimes.last_snapshot_hour', 'hour') }} as hours_measured
    from posts
    inner join (
        select publication_id, max(snapshot_hour) as last_snapshot_hour
        from {{ ref('fct_post_hourly') }}
        group by publication_id
    ) as lifetimes
        on posts.publication_id = lifetimes.publication_id

),

curve_hours as (

    select
        measured_posts.publication_id,
        measured_posts.platform,
        measured_posts.campaign_id,
        hour_offsets.hours_since_publish,
        {{ dbt.dateadd('hour', 'hour_offsets.hours_since_publish', 'measured_posts.publish_hour') }} as curve_hour
    from measured_posts
    inner join {{ integer_series(168, 'hours_since_publish') }} as hour_offsets
        on hour_offsets.hours_since_publish <= measured_posts.hours_measured

),

matched as (

    select
        curve_hours.*,
        {%- for metric in metrics %}
        hourly.{{ metric }}_lifetime,
        {%- endfor %}
        count(hourly.snapshot_hour) over (
            partition by curve_hours.publication_id
            order by curve_hours.hours_since_publish
            rows between unbounded preceding and current row
        ) as fill_group
    from curve_hours
    left join {{ ref('fct_post_hourly') }} as hourly
        on curve_hours.publication_id = hourly.publication_id
        and curve_hours.curve_hour = hourly.snapshot_hour

)

select
    publication_id,
    platform,
    campaign_id,
    hours_since_publish,
    curve_hour,
    {%- for metric in metrics %}
    max({{ metric }}_lifetime) over (partition by publication_id, fill_group) as {{ metric }}
    {{- "," if not loop.last }}
    {%- endfor %}
from matched
