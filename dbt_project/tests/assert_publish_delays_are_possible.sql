{#
    A publish delay is measured on one clock (mediaflow's: the plan and Make's
    confirmation), so it cannot be negative beyond the clocks' skew (var
    clock_skew_minutes, 5): nothing is confirmed before it was approved or due. Nor can it
    be longer than the campaign's whole window. Returns the publications whose delay is
    impossible: their times come from different clocks, or one of them is wrong.
#}
{{ config(meta={'dagster': {'ref': {'name': 'publishing__timeliness'}}}) }}
select
    timeliness.publication_id,
    timeliness.planned_publish_at,
    timeliness.confirmed_at,
    timeliness.publish_delay_minutes
from {{ ref('publishing__timeliness') }} as timeliness
inner join {{ ref('dim_campaigns') }} as campaigns
    on timeliness.campaign_id = campaigns.campaign_id
where timeliness.publish_delay_minutes < -{{ var('clock_skew_minutes', 5) }}
    or timeliness.publish_delay_minutes
        > ({{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }} + 1) * 1440
