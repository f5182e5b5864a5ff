{#
    Per post and unified metric, the lifetime value at the end of each hour that has a
    reported value (the last snapshot of the hour) and the growth since the previous
    such hour. The first hour counts from 0 at publish, so the deltas of a post add up
    to its latest lifetime value. A platform correcting a counter downwards gives a
    negative delta, flagged by is_counter_decrease, never clipped.
#}
with unified_snapshots as (

    select * from {{ ref('int_post_insights__unified_snapshots') }}

),

reported_values as (

    {%- for metric in unified_metrics() %}
    select
        publication_id,
        platform,
        collected_at,
        cast('{{ metric }}' as {{ dbt.type_string() }}) as unified_metric,
        {{ metric }} as lifetime_value
    from unified_snapshots
    where {{ metric }} is not null
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

ranked_within_hour as (

    select
        publication_id,
        platform,
        unified_metric,
        {{ dbt.date_trunc('hour', 'collected_at') }} as snapshot_hour,
        collected_at,
        lifetime_value,
        row_number() over (
            partition by publication_id, unified_metric, {{ dbt.date_trunc('hour', 'collected_at') }}
            order by collected_at desc
        ) as recency_in_hour
    from reported_values

),

hourly_lifetime_values as (

    select
        publication_id,
        platform,
        unified_metric,
        snapshot_hour,
        collected_at,
        lifetime_value,
        lag(lifetime_value) over (
            partition by publication_id, unified_metric
            order by snapshot_hour
        ) as previous_lifetime_value,
        row_number() over (
            partition by publication_id, unified_metric
            order by snapshot_hour desc
        ) as recency_of_hour
    from ranked_within_hour
    where recency_in_hour = 1

)

select
    publication_id,
    platform,
    unified_metric,
    snapshot_hour,
    collected_at,
    lifetime_value,
    previous_lifetime_value,
    lifetime_value - coalesce(previous_lifetime_value, 0) as delta_value,
    coalesce(lifetime_value < previous_lifetime_value, false) as is_counter_decrease,
    recency_of_hour = 1 as is_latest_hour
from hourly_lifetime_values
