{#
    Conversions credited to campaigns, channels and platforms. A conversion's path is the
    tracked clicks its CRM event names that mediaflow recorded, made before it and within
    `attribution_lookback_days`, in the order they were made. First touch credits the first
    click with the whole conversion, last touch the last click, linear each click equally.
    Conversions with no such click are credited to nothing and do not appear.
#}
with conversions as (

    select * from {{ ref('stg_crm__conversions') }}

),

touches as (

    select * from {{ ref('stg_crm__conversion_touches') }}

),

clicks as (

    select * from {{ ref('stg_mediaflow__link_clicks') }}

),

path_clicks as (

    select
        conversions.conversion_id,
        conversions.amount,
        conversions.currency,
        clicks.campaign_id,
        clicks.channel,
        clicks.platform,
        row_number() over (
            partition by conversions.conversion_id
            order by clicks.clicked_at, touches.path_position
        ) as touch_number,
        count(*) over (partition by conversions.conversion_id) as path_length
    from conversions
    inner join touches
        on conversions.conversion_id = touches.conversion_id
    inner join clicks
        on touches.click_id = clicks.click_id
    where clicks.clicked_at <= conversions.occurred_at
        and clicks.clicked_at >= {{ dbt.dateadd(
            'day', -var('attribution_lookback_days'), 'conversions.occurred_at'
        ) }}

),

credited as (

    select
        conversion_id,
        campaign_id,
        channel,
        platform,
        currency,
        amount,
        case when touch_number = 1 then 1 else 0 end as first_touch,
        case when touch_number = path_length then 1 else 0 end as last_touch,
        cast(1 as {{ type_double() }}) / path_length as linear
    from path_clicks

)

select
    campaign_id,
    channel,
    platform,
    currency,
    count(distinct conversion_id) as touched_conversions,
    sum(first_touch) as first_touch_conversions,
    sum(last_touch) as last_touch_conversions,
    sum(linear) as linear_conversions,
    sum(first_touch * amount) as first_touch_revenue,
    sum(last_touch * amount) as last_touch_revenue,
    sum(linear * amount) as linear_revenue
from credited
group by campaign_id, channel, platform, currency
