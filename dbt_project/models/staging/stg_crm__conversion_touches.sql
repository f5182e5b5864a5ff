select
    conversion_id,
    click_id,
    position as path_position
from {{ source('raw', 'conversion_touches') }}
