{#
    The budget plan: one row per campaign, active platform and day of the campaign window
    (start_date to end_date, inclusive). Spend is not reported by the platforms, so the
    budget is taken as spent evenly: spread over the window's days and split evenly over
    the platforms with an active target. Campaigns without a budget, dates or an active
    platform have no rows. Windows of up to 3661 days are spread.
#}
with campaigns as (

    select * from {{ ref('stg_mediaflow__campaigns') }}
    where budget is not null
        and start_date is not null
        and end_date is not null
        and start_date <= end_date

),

active_platforms as (

    select
        campaign_id,
        platform,
        count(*) over (partition by campaign_id) as active_platforms
    from {{ ref('int_campaigns__platforms') }}
    where is_active_platform

),

campaign_window as (

    select
        campaign_id,
        budget,
        currency,
        start_date,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as campaign_days
    from campaigns

),

window_days as (

    select
        campaign_window.campaign_id,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'campaign_window.start_date') }} as date) as day
    from campaign_window
    inner join {{ integer_series(3660, 'day_offset') }} as day_offsets
        on day_offsets.day_offset < campaign_window.campaign_days

)

select
    window_days.campaign_id,
    active_platforms.platform,
    window_days.day,
    campaign_window.campaign_days,
    active_platforms.active_platforms,
    cast(
        campaign_window.budget / (campaign_window.campaign_days * active_platforms.active_platforms)
        as {{ dbt.type_numeric() }}
    ) as budget_allocated,
    cast(campaign_window.budget / active_platforms.active_platforms as {{ dbt.type_numeric() }}) as platform_budget,
    campaign_window.currency
from window_days
inner join campaign_window
    on window_days.campaign_id = campaign_window.campaign_id
inner join active_platforms
    on window_days.campaign_id = active_platforms.campaign_id
