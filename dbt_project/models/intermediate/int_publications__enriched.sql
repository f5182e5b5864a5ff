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

)

select
    publications.publication_id,
    campaign_objects.campaign_id,
    campaigns.campaign_name,
    publications.object_id,
    campaign_objects.object_type,
    campaign_objects.object_title,
    publications.social_account_id,
    social_accounts.account_name,
    social_accounts.platform,
    publications.publication_status,
    publications.publication_status = 'published'
        and publications.published_at is not null as is_published,
    publications.external_post_id,
    publications.external_url,
    publications.requested_at,
    publications.published_at,
    cast(publications.published_at as date) as published_date
from publications
left join campaign_objects
    on publications.object_id = campaign_objects.object_id
left join campaigns
    on campaign_objects.campaign_id = campaigns.campaign_id
left join social_accounts
    on publications.social_account_id = social_accounts.social_account_id
