{#
    Post x hour: per unified metric, the lifetime value at the end of the hour and its
    growth during the hour. Incremental; the one model that reads the snapshots.

    - The hour's value of a metric is the one of the hour's last snapshot that reported
      it (ordered by collected_at, never by landing order; copies collapsed in staging).
    - `<metric>_lifetime` carries the last reported value forward through hours that did
      not report the metric; NULL until the platform first reports it.
    - `<metric>_delta` = the hour's value - the last value reported before the hour (0
      before the first report: a post counts from 0 at publish), so a post's deltas add up
      to its latest lifetime value. NULL in an hour that did not report the metric.
    - A counter that went down gives a negative delta, flagged, never clipped.

    Which snapshots a run processes (the hours it deletes and re-inserts):
    - full refresh / first build: every snapshot;
    - `dbt build`: collected_at >= max(snapshot_hour) in this table - var lookback_hours
      (48 by default), so values landing late or restated within the lookback are redone;
    - `--vars '{window_start: ...}'` (a partitioned run, from Dagster): every hour from the
      earlier of window_start and the oldest snapshot landed by the partitions from
      window_start on (partition_hour), so a reading landed late, however old, is taken in
      and nothing else is redone. Every later hour is redone too: an hour's collection reads
      the counters after the hour (collected_at is the platforms' clock when answering).
    The value before the first recomputed hour comes from this table (the post's last
    row before it), so an incremental run gives exactly what a full refresh gives.
#}
{{
    config(
        materialized='incremental',
        unique_key=['publication_id', 'snapshot_hour'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        tags=['hourly'],
        indexes=post_hour_index(),
    )
}}
{%- set metrics = unified_metrics() %}
{%- set lookback = modules.datetime.timedelta(hours=var('lookback_hours', 48) | int) %}
{%- set window_start = var('window_start', none) %}
{%- set scan_start = none %}
{%- if is_incremental() %}
    {%- if window_start %}
        {%- set start = modules.datetime.datetime.fromisoformat(window_start | string).replace(minute=0, second=0, microsecond=0) %}
        {%- set earliest = none %}
        {%- if execute %}
            {%- set earliest = run_query(
                'select min(collected_at) from ' ~ source('raw', 'post_insight_snapshots')
                ~ ' where partition_hour >= ' ~ timestamp_literal(start.strftime('%Y-%m-%d %H:%M:%S'))
            ).columns[0].values()[0] %}
            {%- if earliest is string %}
                {%- set earliest = modules.datetime.datetime.fromisoformat(earliest) %}
            {%- endif %}
        {%- endif %}
        {%- if earliest and earliest < start %}
            {%- set start = earliest.replace(minute=0, second=0, microsecond=0) %}
        {%- endif %}
        {%- set scan_start = start %}
    {%- elif execute %}
        {%- set latest_hour = run_query('select max(snapshot_hour) from ' ~ this).columns[0].values()[0] %}
        {%- if latest_hour is string %}
            {%- set latest_hour = modules.datetime.datetime.fromisoformat(latest_hour) %}
        {%- endif %}
        {%- if latest_hour %}
            {%- set scan_start = latest_hour - lookback %}
        {%- endif %}
    {%- endif %}
{%- endif %}

with snapshots as (

    select
        publication_id,
        platform,
        collected_at,
        {{ dbt.date_trunc('hour', 'collected_at') }} as snapshot_hour,
        {%- for metric in metrics %}
        {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('int_post_insights__unified_snapshots') }}
    where 1 = 1
    {%- if scan_start %}
        and collected_at >= {{ timestamp_literal(scan_start.strftime('%Y-%m-%d %H:%M:%S')) }}
    {%- endif %}

),

last_report_in_hour as (

    select
        *,
        {%- for metric in metrics %}
        max(case when {{ metric }} is not null then collected_at end)
            over (partition by publication_id, snapshot_hour) as {{ metric }}_reported_at
        {{- "," if not loop.last }}
        {%- endfor %}
    from snapshots

),

hourly_reports as (

    select
        publication_id,
        max(platform) as platform,
        snapshot_hour,
        max(collected_at) as last_collected_at,
        count(*) as snapshots_in_hour,
        {%- for metric in metrics %}
        max(case when collected_at = {{ metric }}_reported_at then {{ metric }} end) as {{ metric }},
        {%- endfor %}
        false as is_prior_hour
    from last_report_in_hour
    group by publication_id, snapshot_hour

),

{% if scan_start %}
prior_hours as (

    select
        prior.publication_id,
        max(prior.snapshot_hour) as snapshot_hour
    from {{ this }} as prior
    inner join (select distinct publication_id from hourly_reports) as recomputed
        on prior.publication_id = recomputed.publication_id
    where prior.snapshot_hour < {{ timestamp_literal(scan_start.strftime('%Y-%m-%d %H:%M:%S')) }}
    group by prior.publication_id

),

{% endif %}
hourly_values as (

    select * from hourly_reports
    {%- if scan_start %}
    union all
    {#- The post's last hour before the recomputed ones: its lifetime values, as reported. #}
    select
        prior.publication_id,
        prior.platform,
        prior.snapshot_hour,
        prior.last_collected_at,
        prior.snapshots_in_hour,
        {%- for metric in metrics %}
        prior.{{ metric }}_lifetime as {{ metric }},
        {%- endfor %}
        true as is_prior_hour
    from {{ this }} as prior
    inner join prior_hours
        on prior.publication_id = prior_hours.publication_id
        and prior.snapshot_hour = prior_hours.snapshot_hour
    {%- endif %}

),

carried_forward as (

    select
        *,
        {%- for metric in metrics %}
        {{ last_reported_value(metric, 'snapshot_hour', 'publication_id', 'unbounded preceding and current row') }}
            as {{ metric }}_lifetime,
        {{ last_reported_value(metric, 'snapshot_hour', 'publication_id', 'unbounded preceding and 1 preceding') }}
            as {{ metric }}_previous
        {{- "," if not loop.last }}
        {%- endfor %}
    from hourly_values

),

deltas as (

    select
        publication_id,
        platform,
        snapshot_hour,
        last_collected_at,
        snapshots_in_hour,
        {%- for metric in metrics %}
        {{ metric }}_lifetime,
        case
            when {{ metric }} is not null then {{ metric }} - coalesce({{ metric }}_previous, 0)
        end as {{ metric }}_delta
        {{- "," if not loop.last }}
        {%- endfor %}
    from carried_forward
    where not is_prior_hour

)

select
    publication_id,
    platform,
    snapshot_hour,
    last_collected_at,
    snapshots_in_hour,
    {%- for metric in metrics %}
    cast({{ metric }}_lifetime as {{ dbt.type_bigint() }}) as {{ metric }}_lifetime,
    cast({{ metric }}_delta as {{ dbt.type_bigint() }}) as {{ metric }}_delta,
    {%- endfor %}
    {% for metric in metrics -%}
    case when {{ metric }}_delta < 0 then 1 else 0 end
    {%- if not loop.last %} + {% endif %}
    {%- endfor %} as counter_decreases,
    {% for metric in metrics -%}
    coalesce({{ metric }}_delta < 0, false)
    {%- if not loop.last %} or {% endif %}
    {%- endfor %} as is_counter_decrease
from deltas
