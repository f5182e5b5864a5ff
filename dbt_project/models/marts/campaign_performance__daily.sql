{#
    One row per campaign, platform and day: every day of the campaign window that has
    happened (up to reporting_date(), the build's UTC date) on every platform the campaign
    is on, plus any other day a post went out or grew. Days still to come have no row and
    no budget: the plan is spent a day at a time.

    Metrics are the growth of the campaign's posts on the platform during the day (sums of
    hourly deltas), so summed over days they equal the posts' latest lifetime values. A
    metric the platform lacks is NULL; one it has is 0 on a day without growth.

    Spend: platforms report none, so the budget plan is the spend: budget_allocated (from
    int_campaigns__daily_budget; 0 outside the window and on platforms without an active
    target; NULL when the campaign has no budget or no dates). Costs divide it by the
    day's results; pacing compares the spend to date with the results to date.
#}
{%- set metrics = unified_metrics() %}
with campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

campaign_platforms as (

    select * from {{ ref('int_campaigns__platforms') }}

),

budget_plan as (

    select * from {{ ref('int_campaigns__daily_budget') }}

),

platforms as (

    select * from {{ ref('dim_platforms') }}

),

post_days as (

    select * from {{ ref('fct_post_daily') }}

),

daily_growth as (

    select
        campaign_id,
        platform,
        day,
        {%- for metric in metrics %}
        sum({{ metric }}_delta) as {{ metric }},
        {%- endfor %}
        sum(counter_decreases) as counter_decreases
    from post_days
    group by campaign_id, platform, day

),

daily_publications as (

    select
        campaign_id,
        platform,
        published_date as day,
        count(*) as posts_published
    from {{ ref('dim_posts') }}
    where is_published
    group by campaign_id, platform, published_date

),

window_days as (

    select distinct
        campaigns.campaign_id,
        campaign_platforms.platform,
        budget_plan.day
    from budget_plan
    inner join campaigns
        on budget_plan.campaign_id = campaigns.campaign_id
    inner join campaign_platforms
        on campaigns.campaign_id = campaign_platforms.campaign_id
    where budget_plan.day <= {{ reporting_date() }}

),

campaign_platform_days as (

    select campaign_id, platform, day from window_days
    union
    select campaign_id, platform, day from daily_growth
    union
    select campaign_id, platform, day from daily_publications

),

daily as (

    select
        campaign_platform_days.campaign_id,
        campaigns.campaign_name,
        campaign_platform_days.platform,
        campaign_platform_days.day,
        coalesce(daily_publications.posts_published, 0) as posts_published,
        {%- for metric in metrics %}
        case
            when platforms.supplies_{{ metric }}
                then cast(coalesce(daily_growth.{{ metric }}, 0) as {{ dbt.type_bigint() }})
        end as {{ metric }},
        {%- endfor %}
        cast(coalesce(daily_growth.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
        case
            when campaigns.budget is not null
                and campaigns.start_date is not null
                and campaigns.end_date is not null
                then coalesce(budget_plan.budget_allocated, 0)
        end as budget_allocated,
        budget_plan_platform.platform_budget,
        campaigns.currency
    from campaign_platform_days
    inner join campaigns
        on campaign_platform_days.campaign_id = campaigns.campaign_id
    left join platforms
        on campaign_platform_days.platform = platforms.platform
    left join daily_growth
        on campaign_platform_days.campaign_id = daily_growth.campaign_id
        and campaign_platform_days.platform = daily_growth.platform
        and campaign_platform_days.day = daily_growth.day
    left join daily_publications
        on campaign_platform_days.campaign_id = daily_publications.campaign_id
        and campaign_platform_days.platform = daily_publications.platform
        and campaign_platform_days.day = daily_publications.day
    left join budget_plan
        on campaign_platform_days.campaign_id = budget_plan.campaign_id
        and campaign_platform_days.platform = budget_plan.platform
        and campaign_platform_days.day = budget_plan.day
    left join (
        select distinct campaign_id, platform, platform_budget from budget_plan
    ) as budget_plan_platform
        on campaign_platform_days.campaign_id = budget_plan_platform.campaign_id
        and campaign_platform_days.platform = budget_plan_platform.platform

),

cumulative as (

    select
        *,
        sum(budget_allocated) over campaign_platform_to_date as cumulative_budget_allocated,
        sum(impressions) over campaign_platform_to_date as cumulative_impressions,
        sum(engagements) over campaign_platform_to_date as cumulative_engagements,
        sum(engagements) over (partition by campaign_id, platform) as engagements_to_date
    from daily
    window campaign_platform_to_date as (
        partition by campaign_id, platform
        order by day
        rows between unbounded preceding and current row
    )

)

select
    campaign_id,
    campaign_name,
    platform,
    day,
    posts_published,
    {%- for metric in metrics %}
    {{ metric }},
    {%- endfor %}
    {{ safe_ratio('engagements', 'impressions') }} as engagement_rate,
    counter_decreases,
    cast(budget_allocated as {{ dbt.type_numeric() }}) as budget_allocated,
    currency,
    {{ cost_per('budget_allocated', 'engagements') }} as cost_per_engagement,
    {{ cost_per('budget_allocated', 'video_views') }} as cost_per_view,
    {{ cost_per('budget_allocated * 1000', 'impressions') }} as cpm,
    cast(cumulative_budget_allocated as {{ dbt.type_numeric() }}) as cumulative_budget_allocated,
    cumulative_impressions,
    cumulative_engagements,
    {{ cost_per('cumulative_budget_allocated', 'cumulative_engagements') }} as cumulative_cost_per_engagement,
    {{ safe_ratio('cumulative_budget_allocated', 'platform_budget') }} as budget_pacing,
    {{ safe_ratio('cumulative_engagements', 'engagements_to_date') }} as engagements_pacing
from cumulative
