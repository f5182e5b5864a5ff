{#
    One row per campaign, platform and day: every day of the campaign window on every
    platform the campaign is on, plus any other day something happened (a post went out,
    or a snapshot showed growth after the window closed).

    Metrics are the sums of the hourly deltas whose snapshot hour falls on the day, so
    summed over days they equal the posts' latest lifetime values. A metric the platform
    lacks is NULL; one it has is 0 on a day without growth.

    budget_allocated: the campaign budget spread evenly over the days from start_date to
    end_date and split evenly over its active platforms; 0 on other days and on platforms
    without an active target; NULL when the campaign has no budget or no dates.
#}
with campaigns as (

    select * from {{ ref('stg_mediaflow__campaigns') }}

),

campaign_platforms as (

    select * from {{ ref('int_campaigns__platforms') }}

),

publications as (

    select * from {{ ref('int_publications__enriched') }}

),

hourly_metric_deltas as (

    select * from {{ ref('int_post_insights__hourly_metric_deltas') }}

),

metric_coverage as (

    select * from {{ ref('int_platforms__metric_coverage') }}

),

campaign_window_days as (

    select
        campaigns.campaign_id,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'campaigns.start_date') }} as date) as day
    from campaigns
    cross join lateral generate_series(
        0, {{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }}
    ) as day_offsets (day_offset)
    where campaigns.start_date <= campaigns.end_date

),

active_platform_counts as (

    select
        campaign_id,
        count(*) as active_platforms
    from campaign_platforms
    where is_active_platform
    group by campaign_id

),

daily_deltas as (

    select
        publications.campaign_id,
        publications.platform,
        cast(hourly_metric_deltas.snapshot_hour as date) as day,
        {%- for metric in unified_metrics() %}
        sum(case when hourly_metric_deltas.unified_metric = '{{ metric }}' then hourly_metric_deltas.delta_value end) as {{ metric }},
        {%- endfor %}
        count(case when hourly_metric_deltas.is_counter_decrease then 1 end) as counter_decreases
    from hourly_metric_deltas
    inner join publications
        on hourly_metric_deltas.publication_id = publications.publication_id
    group by
        publications.campaign_id,
        publications.platform,
        cast(hourly_metric_deltas.snapshot_hour as date)

),

daily_publications as (

    select
        campaign_id,
        platform,
        published_date as day,
        count(*) as posts_published
    from publications
    where is_published
    group by campaign_id, platform, published_date

),

campaign_platform_days as (

    select
        campaign_window_days.campaign_id,
        campaign_platforms.platform,
        campaign_window_days.day
    from campaign_window_days
    inner join campaign_platforms
        on campaign_window_days.campaign_id = campaign_platforms.campaign_id
    union
    select campaign_id, platform, day from daily_deltas
    union
    select campaign_id, platform, day from daily_publications

),

daily_metrics as (

    select
        campaign_platform_days.campaign_id,
        campaign_platform_days.platform,
        campaign_platform_days.day,
        coalesce(daily_publications.posts_published, 0) as posts_published,
        {%- for metric in unified_metrics() %}
        case
            when metric_coverage.has_{{ metric }}
                then cast(coalesce(daily_deltas.{{ metric }}, 0) as {{ dbt.type_bigint() }})
        end as {{ metric }},
        {%- endfor %}
        coalesce(daily_deltas.counter_decreases, 0) as counter_decreases
    from campaign_platform_days
    left join daily_deltas
        on campaign_platform_days.campaign_id = daily_deltas.campaign_id
        and campaign_platform_days.platform = daily_deltas.platform
        and campaign_platform_days.day = daily_deltas.day
    left join daily_publications
        on campaign_platform_days.campaign_id = daily_publications.campaign_id
        and campaign_platform_days.platform = daily_publications.platform
        and campaign_platform_days.day = daily_publications.day
    left join metric_coverage
        on campaign_platform_days.platform = metric_coverage.platform

)

select
    daily_metrics.campaign_id,
    campaigns.campaign_name,
    daily_metrics.platform,
    daily_metrics.day,
    daily_metrics.posts_published,
    {%- for metric in unified_metrics() %}
    daily_metrics.{{ metric }},
    {%- endfor %}
    cast(daily_metrics.engagements as double precision)
        / nullif(daily_metrics.impressions, 0) as engagement_rate,
    daily_metrics.counter_decreases,
    cast(
        case
            when campaigns.budget is null
                or campaigns.start_date is null
                or campaigns.end_date is null
                then null
            when campaign_platforms.is_active_platform
                and daily_metrics.day between campaigns.start_date and campaigns.end_date
                then campaigns.budget / (
                    ({{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }} + 1)
                    * active_platform_counts.active_platforms
                )
            else 0
        end
        as {{ dbt.type_numeric() }}
    ) as budget_allocated,
    campaigns.currency
from daily_metrics
inner join campaigns
    on daily_metrics.campaign_id = campaigns.campaign_id
left join campaign_platforms
    on daily_metrics.campaign_id = campaign_platforms.campaign_id
    and daily_metrics.platform = campaign_platforms.platform
left join active_platform_counts
    on daily_metrics.campaign_id = active_platform_counts.campaign_id
