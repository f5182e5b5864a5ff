{#
    budget_allocated spreads each campaign's budget over its days and active platforms
    without losing or inventing money: summed over the daily rows (the days that have
    happened) it gives back the budget's share of the days elapsed, the whole budget once
    the campaign is over, to rounding. Only campaigns with a budget, dates and an active
    platform can be allocated. Returns the campaigns that do not add up.
#}
{{ config(meta={'dagster': {'ref': {'name': 'campaign_performance__daily'}}}) }}
with allocated as (

    select
        campaign_id,
        sum(budget_allocated) as budget_allocated
    from {{ ref('campaign_performance__daily') }}
    group by campaign_id

),

campaign_days as (

    select
        campaign_id,
        budget,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as days,
        {{ dbt.datediff('start_date', reporting_date(), 'day') }} + 1 as days_elapsed
    from {{ ref('campaign_performance__summary') }}
    where budget is not null
        and start_date <= end_date
        and active_platforms > 0

),

expected as (

    select
        campaign_id,
        budget,
        budget * least(greatest(days_elapsed, 0), days) / days as budget_to_date
    from campaign_days

)

select
    expected.campaign_id,
    expected.budget_to_date,
    allocated.budget_allocated
from expected
left join allocated
    on expected.campaign_id = allocated.campaign_id
where abs(coalesce(allocated.budget_allocated, 0) - expected.budget_to_date) > 0.01
