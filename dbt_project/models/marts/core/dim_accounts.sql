{# One row per social account, with how many campaigns target it. #}
with accounts as (

    select * from {{ ref('stg_mediaflow__social_accounts') }}

),

targets as (

    select
        social_account_id,
        count(*) as targeting_campaigns,
        count(case when is_active then 1 end) as active_targeting_campaigns
    from {{ ref('stg_mediaflow__campaign_targets') }}
    group by social_account_id

)

select
    accounts.social_account_id,
    accounts.platform,
    accounts.account_name,
    accounts.account_type,
    accounts.external_account_id,
    accounts.account_status,
    coalesce(targets.targeting_campaigns, 0) as targeting_campaigns,
    coalesce(targets.active_targeting_campaigns, 0) as active_targeting_campaigns,
    accounts.created_at
from accounts
left join targets
    on accounts.social_account_id = targets.social_account_id
