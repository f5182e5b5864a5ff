with source_campaign_objects as (

    select * from {{ source('raw', 'campaign_objects') }}

)

select
    id as object_id,
    campaign_id,
    object_type,
    title as object_title,
    status as object_status,
    content_text,
    hashtags as hashtags_json,
    media_url,
    media_mime_type,
    media_bytes,
    generation_requested_at,
    ready_at,
    approved_at,
    created_at,
    updated_at
from source_campaign_objects
