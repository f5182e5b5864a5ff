select
    conversion_id,
    kind as conversion_kind,
    amount,
    currency,
    occurred_at,
    received_at
from {{ source('raw', 'conversions') }}
