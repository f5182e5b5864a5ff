{#
    YouTube Analytics daily per-video reports, one row per publication and report date, a
    column per metric. Values are per day. A later collection of the same report date
    restates it: per metric, the value of the latest collection wins (copies of one
    collection collapse into one).
#}
with source_reports as (

    select * from {{ source('raw', 'post_daily_reports') }}
    where platform = 'youtube'

),

ranked_collections as (

    select
        publication_id,
        external_post_id,
        report_date,
        metric,
        value,
        collected_at,
        row_number() over (
            partition by publication_id, report_date, metric
            order by collected_at desc, case when value is null then 1 else 0 end, value desc
        ) as recency
    from source_reports

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    cast(report_date as date) as report_date,
    max(collected_at) as last_collected_at,
    cast(max(case when metric = 'views' then value end) as {{ dbt.type_bigint() }}) as views,
    cast(max(case when metric = 'estimatedMinutesWatched' then value end) as {{ type_double() }}) as estimated_minutes_watched,
    cast(max(case when metric = 'averageViewDuration' then value end) as {{ type_double() }}) as average_view_duration_seconds,
    cast(max(case when metric = 'likes' then value end) as {{ dbt.type_bigint() }}) as likes,
    cast(max(case when metric = 'comments' then value end) as {{ dbt.type_bigint() }}) as comments,
    cast(max(case when metric = 'shares' then value end) as {{ dbt.type_bigint() }}) as shares,
    cast(max(case when metric = 'subscribersGained' then value end) as {{ dbt.type_bigint() }}) as subscribers_gained
from ranked_collections
where recency = 1
group by publication_id, cast(report_date as date)
