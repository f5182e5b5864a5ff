{#
    One row per publication (a post, once published), with its campaign, account and
    platform, and when it was planned to go out against when it did. The planned time is
    the publication's scheduled_time; a publication without one goes out as soon as it is
    approved, so its approval time is the plan. Both are mediaflow's clock, and so is the
    delay's other end: confirmed_at, when Make confirmed the post went out (published_at is
    the platform's clock, kept for the post's age).
#}
with publications as (

    select * from {{ ref('stg_mediaflow__publications') }}

),

campaign_objects as (

    select * from {{ ref('stg_mediaflow__campaign_objects') }}

),

campaigns as (

    select * from {{ ref('stg_mediaflow__campaigns') }}

),

social_accounts as (

    select * from {{ ref('stg_mediaflow__social_accounts') }}

),

enriched as (

    select
        publications.publication_id,
        coalesce(publications.campaign_id, campaign_objects.campaign_id) as campaign_id,
        publications.object_id,
        campaign_objects.object_type,
        campaign_objects.object_title,
        campaign_objects.content_text,
        publications.social_account_id,
        social_accounts.account_name,
        social_accounts.external_account_id,
        social_accounts.platform,
        publications.publication_status,
        publications.publication_status = 'published'
            and publications.published_at is not null as is_published,
        publications.external_post_id,
        publications.external_url,
        publications.scheduled_time,
        publications.approved_at,
        coalesce(publications.scheduled_time, publications.approved_at) as planned_publish_at,
        case
            when publications.scheduled_time is not null then 'scheduled time'
            when publications.approved_at is not null then 'approval'
        end as planned_from,
        publications.requested_at,
        publications.published_at,
        publications.confirmed_at
    from publications
    left join campaign_objects
        on publications.object_id = campaign_objects.object_id
    left join social_accounts
        on publications.social_account_id = social_accounts.social_account_id

)

select
    enriched.publication_id,
    enriched.campaign_id,
    campaigns.campaign_name,
    enriched.object_id,
    enriched.object_type,
    enriched.object_title,
    enriched.content_text,
    enriched.social_account_id,
    enriched.account_name,
    enriched.external_account_id,
    enriched.platform,
    enriched.publication_status,
    enriched.is_published,
    enriched.external_post_id,
    enriched.external_url,
    enriched.scheduled_time,
    enriched.approved_at,
    enriched.planned_publish_at,
    enriched.planned_from,
    enriched.requested_at,
    enriched.published_at,
    enriched.confirmed_at,
    cast(enriched.published_at as date) as published_date,
    cast({{ seconds_between('enriched.planned_publish_at', 'enriched.confirmed_at') }} as {{ type_double() }}) / 60 as publish_delay_minutes
from enriched
left join campaigns
    on enriched.campaign_id = campaigns.campaign_id
