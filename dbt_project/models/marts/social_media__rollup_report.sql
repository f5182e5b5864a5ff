{#
    Post x day across every platform, in the column names of Fivetran's
    dbt_social_media_reporting roll-up (date_day, platform, post_id, post_url, page_id,
    page_name, clicks, impressions, likes, shares, comments) plus reach, saves,
    video_views, engagements and the campaign. Metrics are the post's growth during the
    day; a metric the platform lacks is NULL (Fivetran's shows 0).
#}
select
    post_days.day as date_day,
    post_days.platform,
    cast('mediaflow' as {{ dbt.type_string() }}) as source_relation,
    posts.external_post_id as post_id,
    post_days.publication_id,
    posts.content_text as post_message,
    posts.external_url as post_url,
    posts.published_at as created_timestamp,
    posts.external_account_id as page_id,
    posts.account_name as page_name,
    posts.social_account_id as account_id,
    posts.account_name,
    posts.campaign_id,
    posts.campaign_name,
    post_days.clicks_delta as clicks,
    post_days.impressions_delta as impressions,
    post_days.likes_delta as likes,
    post_days.shares_delta as shares,
    post_days.comments_delta as comments,
    post_days.reach_delta as reach,
    post_days.saves_delta as saves,
    post_days.video_views_delta as video_views,
    post_days.engagements_delta as engagements
from {{ ref('fct_post_daily') }} as post_days
inner join {{ ref('dim_posts') }} as posts
    on post_days.publication_id = posts.publication_id
