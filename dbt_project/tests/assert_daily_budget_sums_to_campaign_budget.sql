{#
    budget_allocated spreads each campaign's budget over its days and active platforms
    without losing or inventing money: summed over the daily rows it gives back the
    budget, to rounding. Only campaigns with a budget, dates and an active platform can
    be allocated. Returns the campaigns that do not add up.
#}
{{ config(meta={'dagster': {'ref': {'name': 'campaign_performance__daily'}}}) }}
with allocated as (

    select
        campaign_id,
        sum(budget_allocated) as budget_allocated
    from {{ ref('campaign_performance__daily') }}
    group by campaign_id

)

select
    summary.campaign_id,
    summary.budget,
    allocated.budget_allocated
from {{ ref('campaign_performance__summary') }} as summary
left join allocated
    on summary.campaign_id = allocated.campaign_id
where summary.budget is not null
    and summary.start_date <= summary.end_date
    and summary.active_platforms > 0
    and abs(coalesce(allocated.budget_allocated, 0) - summary.budget) > 0.01
