with source_campaigns as (

    select * from {{ source('raw', 'campaigns') }}

)

select
    id as campaign_id,
    name as campaign_name,
    description as campaign_description,
    topics as topics_json,
    budget,
    currency,
    start_date,
    end_date,
    status as campaign_status,
    owner_email,
    created_at,
    updated_at
from source_campaigns
