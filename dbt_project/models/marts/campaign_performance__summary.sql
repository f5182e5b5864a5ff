{#
    One row per campaign. Each metric is the sum over the campaign's posts of their latest
    lifetime value; NULL when no post of the campaign has reported it (its platforms lack
    the metric, or nothing has been collected yet).
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

unified_snapshots as (

    select * from {{ ref('int_post_insights__unified_snapshots') }}

),

platform_counts as (

    select
        campaign_id,
        count(case when is_active_platform then 1 end) as active_platforms,
        count(case when posts_published > 0 then 1 end) as published_platforms
    from campaign_platforms
    group by campaign_id

),

publication_totals as (

    select
        campaign_id,
        count(*) as posts_published,
        min(published_at) as first_published_at
    from publications
    where is_published
    group by campaign_id

),

lifetime_totals as (

    select
        publications.campaign_id,
        {%- for metric in unified_metrics() %}
        cast(
            sum(case when hourly_metric_deltas.unified_metric = '{{ metric }}' then hourly_metric_deltas.lifetime_value end)
            as {{ dbt.type_bigint() }}
        ) as {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from hourly_metric_deltas
    inner join publications
        on hourly_metric_deltas.publication_id = publications.publication_id
    where hourly_metric_deltas.is_latest_hour
    group by publications.campaign_id

),

collection_times as (

    select
        publications.campaign_id,
        max(unified_snapshots.collected_at) as last_collected_at
    from unified_snapshots
    inner join publications
        on unified_snapshots.publication_id = publications.publication_id
    group by publications.campaign_id

)

select
    campaigns.campaign_id,
    campaigns.campaign_name,
    campaigns.campaign_status,
    campaigns.start_date,
    campaigns.end_date,
    campaigns.budget,
    campaigns.currency,
    coalesce(publication_totals.posts_published, 0) as posts_published,
    coalesce(platform_counts.active_platforms, 0) as active_platforms,
    coalesce(platform_counts.published_platforms, 0) as published_platforms,
    {%- for metric in unified_metrics() %}
    lifetime_totals.{{ metric }},
    {%- endfor %}
    cast(lifetime_totals.engagements as double precision)
        / nullif(lifetime_totals.impressions, 0) as engagement_rate,
    publication_totals.first_published_at,
    collection_times.last_collected_at
from campaigns
left join platform_counts
    on campaigns.campaign_id = platform_counts.campaign_id
left join publication_totals
    on campaigns.campaign_id = publication_totals.campaign_id
left join lifetime_totals
    on campaigns.campaign_id = lifetime_totals.campaign_id
left join collection_times
    on campaigns.campaign_id = collection_times.campaign_id
