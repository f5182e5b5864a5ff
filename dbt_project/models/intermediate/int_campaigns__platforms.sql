{#
    The platforms a campaign is on: those of its active targets, plus those it has
    published to (a target deactivated later still has posts to measure).
#}
with campaign_targets as (

    select * from {{ ref('stg_mediaflow__campaign_targets') }}

),

social_accounts as (

    select * from {{ ref('stg_mediaflow__social_accounts') }}

),

publications as (

    select * from {{ ref('int_publications__enriched') }}

),

active_target_platforms as (

    select
        campaign_targets.campaign_id,
        social_accounts.platform,
        count(*) as active_target_accounts
    from campaign_targets
    inner join social_accounts
        on campaign_targets.social_account_id = social_accounts.social_account_id
    where campaign_targets.is_active
    group by campaign_targets.campaign_id, social_accounts.platform

),

published_platforms as (

    select
        campaign_id,
        platform,
        count(*) as posts_published,
        min(published_at) as first_published_at
    from publications
    where is_published
    group by campaign_id, platform

),

campaign_platforms as (

    select campaign_id, platform from active_target_platforms
    union
    select campaign_id, platform from published_platforms

)

select
    campaign_platforms.campaign_id,
    campaign_platforms.platform,
    active_target_platforms.campaign_id is not null as is_active_platform,
    coalesce(active_target_platforms.active_target_accounts, 0) as active_target_accounts,
    coalesce(published_platforms.posts_published, 0) as posts_published,
    published_platforms.first_published_at
from campaign_platforms
left join active_target_platforms
    on campaign_platforms.campaign_id = active_target_platforms.campaign_id
    and campaign_platforms.platform = active_target_platforms.platform
left join published_platforms
    on campaign_platforms.campaign_id = published_platforms.campaign_id
    and campaign_platforms.platform = published_platforms.platform
