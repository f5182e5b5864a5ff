{#
    One row per post that is published or has been measured: its latest lifetime values
    and the rates built on them.

    - Rates are ratios of lifetime values, NULL when the denominator is NULL or 0.
    - `<metric>_first_24h`: the lifetime value at the post's last hourly snapshot collected
      within 24 h of publish.
    - "Now" is the latest collected_at in the data (deterministic, and what the numbers
      are as of): `is_settled` = now >= published_at + the platform's reporting lag.
#}
{%- set metrics = unified_metrics() %}
with posts as (

    select * from {{ ref('dim_posts') }}

),

hourly as (

    select * from {{ ref('fct_post_hourly') }}

),

measured_posts as (

    select
        publication_id,
        min(snapshot_hour) as first_snapshot_hour,
        max(snapshot_hour) as last_snapshot_hour,
        max(last_collected_at) as last_collected_at,
        count(*) as snapshot_hours,
        sum(counter_decreases) as counter_decreases
    from hourly
    group by publication_id

),

latest_hour as (

    select hourly.*
    from hourly
    inner join measured_posts
        on hourly.publication_id = measured_posts.publication_id
        and hourly.snapshot_hour = measured_posts.last_snapshot_hour

),

first_day_hours as (

    select
        hourly.*,
        row_number() over (
            partition by hourly.publication_id
            order by hourly.snapshot_hour desc
        ) as recency
    from hourly
    inner join posts
        on hourly.publication_id = posts.publication_id
    where hourly.last_collected_at <= {{ dbt.dateadd('hour', 24, 'posts.published_at') }}

),

data_as_of as (

    select max(last_collected_at) as now_at from measured_posts

)

select
    posts.publication_id,
    posts.campaign_id,
    posts.social_account_id,
    posts.platform,
    posts.published_at,
    measured_posts.first_snapshot_hour,
    measured_posts.last_collected_at,
    coalesce(measured_posts.snapshot_hours, 0) as snapshot_hours,
    cast(coalesce(measured_posts.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
    {%- for metric in metrics %}
    latest_hour.{{ metric }}_lifetime as {{ metric }},
    {%- endfor %}
    first_day.impressions_lifetime as impressions_first_24h,
    first_day.video_views_lifetime as video_views_first_24h,
    first_day.engagements_lifetime as engagements_first_24h,
    {{ safe_ratio('latest_hour.engagements_lifetime', 'latest_hour.reach_lifetime') }} as engagement_rate_by_reach,
    {{ safe_ratio('latest_hour.engagements_lifetime', 'latest_hour.impressions_lifetime') }} as engagement_rate_by_impressions,
    {{ safe_ratio('latest_hour.engagements_lifetime', 'latest_hour.video_views_lifetime') }} as engagement_rate_by_views,
    {{ safe_ratio('latest_hour.clicks_lifetime', 'latest_hour.impressions_lifetime') }} as click_through_rate,
    posts.settles_at,
    coalesce(data_as_of.now_at >= posts.settles_at, false) as is_settled,
    data_as_of.now_at as data_as_of
from posts
left join measured_posts
    on posts.publication_id = measured_posts.publication_id
left join latest_hour
    on posts.publication_id = latest_hour.publication_id
left join first_day_hours as first_day
    on posts.publication_id = first_day.publication_id
    and first_day.recency = 1
cross join data_as_of
where posts.is_published or measured_posts.publication_id is not null
