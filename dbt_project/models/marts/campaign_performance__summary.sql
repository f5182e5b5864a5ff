{#
    One row per campaign. Each metric is the sum over the campaign's posts of their latest
    lifetime value (fct_post_lifetime); NULL when no post of the campaign reported it (its
    platforms lack the metric, or nothing has been collected yet). Costs divide the
    budget allocated so far (the plan up to the latest day with data) by the results.
#}
{%- set metrics = unified_metrics() %}
with campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

post_lifetimes as (

    select * from {{ ref('fct_post_lifetime') }}

),

lifetime_totals as (

    select
        campaign_id,
        {%- for metric in metrics %}
        cast(sum({{ metric }}) as {{ dbt.type_bigint() }}) as {{ metric }},
        {%- endfor %}
        sum(counter_decreases) as counter_decreases,
        min(published_at) as first_published_at,
        max(last_collected_at) as last_collected_at,
        max(data_as_of) as data_as_of
    from post_lifetimes
    group by campaign_id

),

published_posts as (

    select
        campaign_id,
        count(*) as posts_published
    from {{ ref('dim_posts') }}
    where is_published
    group by campaign_id

),

budget_to_date as (

    select
        budget_plan.campaign_id,
        sum(budget_plan.budget_allocated) as budget_allocated_to_date
    from {{ ref('int_campaigns__daily_budget') }} as budget_plan
    cross join (select cast(max(data_as_of) as date) as as_of_date from post_lifetimes) as data_as_of
    where budget_plan.day <= data_as_of.as_of_date
    group by budget_plan.campaign_id

),

notifications as (

    select
        campaign_id,
        sum(case when channel = 'email' then sent else 0 end) as emails_sent,
        sum(case when channel = 'email' then opened else 0 end) as emails_opened,
        sum(case when channel = 'email' then clicked else 0 end) as emails_clicked,
        sum(case when channel = 'sms' then sent else 0 end) as sms_sent,
        sum(case when channel = 'sms' then delivered else 0 end) as sms_delivered,
        sum(unsubscribed) as notification_unsubscribes
    from {{ ref('notifications__daily') }}
    where campaign_id is not null
    group by campaign_id

)

select
    campaigns.campaign_id,
    campaigns.campaign_name,
    campaigns.campaign_status,
    campaigns.owner_email,
    campaigns.start_date,
    campaigns.end_date,
    campaigns.budget,
    campaigns.currency,
    coalesce(published_posts.posts_published, 0) as posts_published,
    campaigns.active_platforms,
    campaigns.published_platforms,
    {%- for metric in metrics %}
    lifetime_totals.{{ metric }},
    {%- endfor %}
    {{ safe_ratio('lifetime_totals.engagements', 'lifetime_totals.impressions') }} as engagement_rate,
    {{ safe_ratio('lifetime_totals.clicks', 'lifetime_totals.impressions') }} as click_through_rate,
    cast(coalesce(lifetime_totals.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
    cast(budget_to_date.budget_allocated_to_date as {{ dbt.type_numeric() }}) as budget_allocated_to_date,
    {{ cost_per('budget_to_date.budget_allocated_to_date', 'lifetime_totals.engagements') }} as cost_per_engagement,
    {{ cost_per('budget_to_date.budget_allocated_to_date * 1000', 'lifetime_totals.impressions') }} as cpm,
    {{ safe_ratio('budget_to_date.budget_allocated_to_date', 'campaigns.budget') }} as budget_pacing,
    lifetime_totals.first_published_at,
    lifetime_totals.last_collected_at,
    coalesce(notifications.emails_sent, 0) as emails_sent,
    coalesce(notifications.emails_opened, 0) as emails_opened,
    coalesce(notifications.emails_clicked, 0) as emails_clicked,
    coalesce(notifications.sms_sent, 0) as sms_sent,
    coalesce(notifications.sms_delivered, 0) as sms_delivered,
    coalesce(notifications.notification_unsubscribes, 0) as notification_unsubscribes
from campaigns
left join published_posts
    on campaigns.campaign_id = published_posts.campaign_id
left join lifetime_totals
    on campaigns.campaign_id = lifetime_totals.campaign_id
left join budget_to_date
    on campaigns.campaign_id = budget_to_date.campaign_id
left join notifications
    on campaigns.campaign_id = notifications.campaign_id
