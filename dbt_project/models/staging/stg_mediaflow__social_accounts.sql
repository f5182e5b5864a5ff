with source_social_accounts as (

    select * from {{ source('raw', 'social_accounts') }}

)

select
    id as social_account_id,
    platform,
    name as account_name,
    account_type,
    external_account_id,
    make_connection_id,
    make_scenario_id,
    make_webhook_url,
    status as account_status,
    created_at,
    updated_at
from source_social_accounts
