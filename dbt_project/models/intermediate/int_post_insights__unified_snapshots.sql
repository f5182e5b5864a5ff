{#
    Native metrics -> unified metrics, an explicit mapping per platform (the contract's
    table; docs in models/_unified_metrics.md). One row per publication and collection
    time. A metric the platform lacks is NULL, never 0; a sum with a withheld (NULL) part
    is NULL, so a partly withheld total never passes for a complete one.
#}
{%- set bigint = dbt.type_bigint() %}
{%- set lacks = "cast(null as " ~ bigint ~ ")" %}
with facebook as (

    select
        publication_id,
        cast('facebook' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        post_media_view as impressions,
        post_total_media_view_unique as reach,
        {{ lacks }} as video_views,
        reactions_total as likes,
        comments,
        shares,
        {{ lacks }} as saves,
        post_clicks as clicks,
        reactions_total + comments + shares as engagements
    from {{ ref('stg_facebook__post_insights') }}

),

instagram as (

    select
        publication_id,
        cast('instagram' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        views as impressions,
        reach,
        {{ lacks }} as video_views,
        likes,
        comments,
        shares,
        saved as saves,
        {{ lacks }} as clicks,
        total_interactions as engagements
    from {{ ref('stg_instagram__post_insights') }}

),

youtube as (

    select
        publication_id,
        cast('youtube' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        view_count as impressions,
        {{ lacks }} as reach,
        view_count as video_views,
        like_count as likes,
        comment_count as comments,
        {{ lacks }} as shares,
        {{ lacks }} as saves,
        {{ lacks }} as clicks,
        like_count + comment_count as engagements
    from {{ ref('stg_youtube__video_statistics') }}

),

linkedin as (

    select
        publication_id,
        cast('linkedin' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        impression_count as impressions,
        unique_impressions_count as reach,
        {{ lacks }} as video_views,
        like_count as likes,
        comment_count as comments,
        share_count as shares,
        {{ lacks }} as saves,
        click_count as clicks,
        like_count + comment_count + share_count + click_count as engagements
    from {{ ref('stg_linkedin__share_statistics') }}

),

tiktok as (

    select
        publication_id,
        cast('tiktok' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        view_count as impressions,
        {{ lacks }} as reach,
        view_count as video_views,
        like_count as likes,
        comment_count as comments,
        share_count as shares,
        {{ lacks }} as saves,
        {{ lacks }} as clicks,
        like_count + comment_count + share_count as engagements
    from {{ ref('stg_tiktok__video_insights') }}

),

x as (

    select
        publication_id,
        cast('x' as {{ dbt.type_string() }}) as platform,
        external_post_id,
        collected_at,
        impression_count as impressions,
        {{ lacks }} as reach,
        {{ lacks }} as video_views,
        like_count as likes,
        reply_count as comments,
        retweet_count + quote_count as shares,
        bookmark_count as saves,
        url_link_clicks as clicks,
        like_count + retweet_count + reply_count + quote_count + bookmark_count as engagements
    from {{ ref('stg_x__tweet_metrics') }}

)

select * from facebook
union all
select * from instagram
union all
select * from youtube
union all
select * from linkedin
union all
select * from tiktok
union all
select * from x
