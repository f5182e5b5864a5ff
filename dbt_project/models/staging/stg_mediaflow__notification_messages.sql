with source_messages as (

    select * from {{ source('raw', 'notification_messages') }}

),

source_templates as (

    select * from {{ source('raw', 'notification_templates') }}

)

select
    source_messages.id as message_id,
    source_messages.request_id,
    source_messages.contact_pseudonym,
    source_messages.kind as message_kind,
    source_messages.channel,
    source_messages.purpose,
    source_messages.campaign_id,
    source_templates.name as template_name,
    source_messages.template_version,
    source_messages.status as message_status,
    source_messages.reason as status_reason,
    source_messages.segments as sms_segments,
    source_messages.attempts,
    source_messages.created_at,
    source_messages.sent_at,
    source_messages.delivered_at,
    source_messages.opened_at,
    source_messages.clicked_at,
    source_messages.unsubscribed_at
from source_messages
left join source_templates
    on source_messages.template_id = source_templates.id
