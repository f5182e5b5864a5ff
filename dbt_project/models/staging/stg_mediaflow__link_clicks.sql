select
    click_id,
    campaign_id,
    channel,
    platform,
    tracked_link_id,
    message_id,
    clicked_at
from {{ source('raw', 'link_clicks') }}
