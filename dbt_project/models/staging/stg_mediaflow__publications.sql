with source_publications as (

    select * from {{ source('raw', 'publications') }}

)

select
    id as publication_id,
    object_id,
    social_account_id,
    campaign_id,
    status as publication_status,
    idempotency_key,
    external_post_id,
    external_url,
    error as error_message,
    attempts,
    scheduled_time,
    approved_at,
    requested_at,
    published_at,
    confirmed_at,
    time_to_publish_seconds,
    created_at,
    updated_at
from source_publications
