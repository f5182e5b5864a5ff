{#
    Every attribution model hands out each conversion with a path exactly once: the first-touch,
    last-touch and linear credits each sum to the number of such conversions. Returns the
    models whose total differs.
#}
{{ config(meta={'dagster': {'ref': {'name': 'attribution__conversions'}}}) }}
with credited as (

    select
        sum(first_touch_conversions) as first_touch,
        sum(last_touch_conversions) as last_touch,
        sum(linear_conversions) as linear
    from {{ ref('attribution__conversions') }}

),

with_path as (

    select count(distinct touches.conversion_id) as conversions
    from {{ ref('stg_crm__conversion_touches') }} as touches
    inner join {{ ref('stg_mediaflow__link_clicks') }} as clicks
        on touches.click_id = clicks.click_id
    inner join {{ ref('stg_crm__conversions') }} as conversions
        on touches.conversion_id = conversions.conversion_id
    where clicks.clicked_at <= conversions.occurred_at
        and clicks.clicked_at >= {{ dbt.dateadd(
            'day', -var('attribution_lookback_days'), 'conversions.occurred_at'
        ) }}

)

select credited.*, with_path.conversions
from credited
cross join with_path
where coalesce(credited.first_touch, 0) <> with_path.conversions
    or coalesce(credited.last_touch, 0) <> with_path.conversions
    or abs(coalesce(credited.linear, 0) - with_path.conversions) > 1e-9
