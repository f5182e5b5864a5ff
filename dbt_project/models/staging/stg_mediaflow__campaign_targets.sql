with source_campaign_targets as (

    select * from {{ source('raw', 'campaign_targets') }}

)

select
    campaign_id,
    social_account_id,
    is_active,
    created_at,
    revoked_at
from source_campaign_targets
