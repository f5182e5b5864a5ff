with source_publications as (

    select * from {{ source('raw', 'publications') }}

)

select
    id as publication_id,
    object_id,
    social_account_id,
    status as publication_status,
    idempotency_key,
    external_post_id,
    external_url,
    error as error_message,
    requested_at,
    published_at,
    created_at,
    updated_at
from source_publications
