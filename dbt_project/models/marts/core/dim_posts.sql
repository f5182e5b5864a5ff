{#
    One row per publication (a post once published), with its campaign, account, platform,
    planned and actual publish time, and when its lifetime values settle (published_at +
    the platform's reporting lag).
#}
select
    publications.publication_id,
    publications.campaign_id,
    publications.campaign_name,
    publications.object_id,
    publications.object_type,
    publications.object_title,
    publications.content_text,
    publications.social_account_id,
    publications.account_name,
    publications.external_account_id,
    publications.platform,
    publications.publication_status,
    publications.is_published,
    publications.external_post_id,
    publications.external_url,
    publications.planned_publish_at,
    publications.planned_from,
    publications.published_at,
    publications.confirmed_at,
    publications.published_date,
    publications.publish_delay_minutes,
    {{ dbt.dateadd('hour', 'platforms.reporting_lag_hours', 'publications.published_at') }} as settles_at
from {{ ref('int_publications__enriched') }} as publications
left join {{ ref('dim_platforms') }} as platforms
    on publications.platform = platforms.platform
