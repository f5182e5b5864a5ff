{# One row per campaign, with its window and the platforms its budget is split over. #}
with campaigns as (

    select * from {{ ref('stg_mediaflow__campaigns') }}

),

platform_counts as (

    select
        campaign_id,
        count(case when is_active_platform then 1 end) as active_platforms,
        count(case when posts_published > 0 then 1 end) as published_platforms
    from {{ ref('int_campaigns__platforms') }}
    group by campaign_id

)

select
    campaigns.campaign_id,
    campaigns.campaign_name,
    campaigns.campaign_status,
    campaigns.owner_email,
    campaigns.budget,
    campaigns.currency,
    campaigns.start_date,
    campaigns.end_date,
    {{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }} + 1 as campaign_days,
    coalesce(platform_counts.active_platforms, 0) as active_platforms,
    coalesce(platform_counts.published_platforms, 0) as published_platforms,
    campaigns.created_at
from campaigns
left join platform_counts
    on campaigns.campaign_id = platform_counts.campaign_id
