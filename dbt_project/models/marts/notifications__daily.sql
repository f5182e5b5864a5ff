{#
    One row per day, campaign, template and channel: the notifications sent that day and what
    became of them since. Double opt-in confirmations are left out (they carry no campaign).
    A message counts once in each outcome it reached: a delivered SMS is also sent.
#}
with messages as (

    select * from {{ ref('stg_mediaflow__notification_messages') }}
    where message_kind = 'notification'

)

select
    cast(coalesce(sent_at, created_at) as date) as day,
    campaign_id,
    coalesce(template_name, 'unsent') as template_name,
    channel,
    count(*) as messages,
    sum(case when sent_at is not null then 1 else 0 end) as sent,
    sum(case when message_status = 'delivered' then 1 else 0 end) as delivered,
    sum(case when message_status = 'bounced' then 1 else 0 end) as bounced,
    sum(case when message_status = 'failed' then 1 else 0 end) as failed,
    sum(case when message_status = 'blocked' then 1 else 0 end) as blocked,
    sum(case when opened_at is not null then 1 else 0 end) as opened,
    sum(case when clicked_at is not null then 1 else 0 end) as clicked,
    sum(case when unsubscribed_at is not null then 1 else 0 end) as unsubscribed,
    sum(coalesce(sms_segments, 0)) as sms_segments
from messages
group by 1, 2, 3, 4
