{#
    Post x day (UTC): per unified metric the growth during the day (the sum of the day's
    hourly deltas) and the lifetime value at the end of the day (the day's last hour,
    carried forward), plus the YouTube Analytics daily report of the day (NULL on other
    platforms). A day appears when the post had a snapshot or a daily report.
#}
{%- set metrics = unified_metrics() %}
with hourly as (

    select
        *,
        cast(snapshot_hour as date) as day,
        row_number() over (
            partition by publication_id, cast(snapshot_hour as date)
            order by snapshot_hour desc
        ) as recency_in_day
    from {{ ref('fct_post_hourly') }}

),

daily_growth as (

    select
        publication_id,
        day,
        max(last_collected_at) as last_collected_at,
        count(*) as snapshot_hours,
        {%- for metric in metrics %}
        sum({{ metric }}_delta) as {{ metric }}_delta,
        max(case when recency_in_day = 1 then {{ metric }}_lifetime end) as {{ metric }}_lifetime,
        {%- endfor %}
        sum(counter_decreases) as counter_decreases
    from hourly
    group by publication_id, day

),

daily_reports as (

    select * from {{ ref('stg_youtube__video_daily_reports') }}

),

post_days as (

    select publication_id, day from daily_growth
    union
    select publication_id, report_date as day from daily_reports

)

select
    post_days.publication_id,
    posts.campaign_id,
    posts.social_account_id,
    posts.platform,
    post_days.day,
    daily_growth.last_collected_at,
    coalesce(daily_growth.snapshot_hours, 0) as snapshot_hours,
    {%- for metric in metrics %}
    cast(daily_growth.{{ metric }}_delta as {{ dbt.type_bigint() }}) as {{ metric }}_delta,
    daily_growth.{{ metric }}_lifetime,
    {%- endfor %}
    cast(coalesce(daily_growth.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
    daily_reports.views as report_views,
    daily_reports.estimated_minutes_watched as report_watch_minutes,
    daily_reports.average_view_duration_seconds as report_average_view_duration_seconds,
    daily_reports.likes as report_likes,
    daily_reports.comments as report_comments,
    daily_reports.shares as report_shares,
    daily_reports.subscribers_gained as report_subscribers_gained
from post_days
inner join {{ ref('dim_posts') }} as posts
    on post_days.publication_id = posts.publication_id
left join daily_growth
    on post_days.publication_id = daily_growth.publication_id
    and post_days.day = daily_growth.day
left join daily_reports
    on post_days.publication_id = daily_reports.publication_id
    and post_days.day = daily_reports.report_date
