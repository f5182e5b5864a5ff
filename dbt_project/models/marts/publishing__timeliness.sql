{#
    One row per publication: planned against actual publish time, both on mediaflow's
    clock. The plan is the scheduled time, else the approval time; the actual time is when
    Make confirmed the post went out. Buckets of the delay (actual - planned):
    'early' (more than 5 min before the plan), 'on time (≤5 min)' (within 5 min either
    way), '≤1 h', '≤24 h', '> 24 h', 'not published', and 'no plan' for a published post
    without a scheduled or approval time. Hour and weekday are of the actual time (UTC).
#}
select
    publication_id,
    campaign_id,
    campaign_name,
    social_account_id,
    account_name,
    platform,
    publication_status,
    is_published,
    planned_publish_at,
    planned_from,
    published_at,
    confirmed_at,
    publish_delay_minutes,
    case
        when not is_published then 'not published'
        when planned_publish_at is null then 'no plan'
        when publish_delay_minutes < -5 then 'early'
        when publish_delay_minutes <= 5 then 'on time (≤5 min)'
        when publish_delay_minutes <= 60 then '≤1 h'
        when publish_delay_minutes <= 1440 then '≤24 h'
        else '> 24 h'
    end as delay_bucket,
    cast(extract(hour from published_at) as {{ dbt.type_int() }}) as publish_hour_of_day,
    cast(extract(isodow from published_at) as {{ dbt.type_int() }}) as publish_iso_weekday,
    case cast(extract(isodow from published_at) as {{ dbt.type_int() }})
        when 1 then 'Monday'
        when 2 then 'Tuesday'
        when 3 then 'Wednesday'
        when 4 then 'Thursday'
        when 5 then 'Friday'
        when 6 then 'Saturday'
        when 7 then 'Sunday'
    end as publish_weekday
from {{ ref('dim_posts') }}
