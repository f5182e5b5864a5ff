{#
    Deltas sum to lifetime: for every campaign, platform and unified metric, the daily
    mart summed over days equals the sum over the campaign's posts of their latest
    reported lifetime value, taken straight from the unified snapshots (not from the
    hourly model the mart is built on). Returns the rows that disagree.
#}
{{ config(meta={'dagster': {'ref': {'name': 'campaign_performance__daily'}}}) }}
with daily_totals as (

    {%- for metric in unified_metrics() %}
    select
        campaign_id,
        platform,
        cast('{{ metric }}' as {{ dbt.type_string() }}) as unified_metric,
        sum({{ metric }}) as total
    from {{ ref('campaign_performance__daily') }}
    group by campaign_id, platform
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

reported_values as (

    {%- for metric in unified_metrics() %}
    select
        publication_id,
        collected_at,
        cast('{{ metric }}' as {{ dbt.type_string() }}) as unified_metric,
        {{ metric }} as lifetime_value
    from {{ ref('int_post_insights__unified_snapshots') }}
    where {{ metric }} is not null
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

latest_reported_values as (

    select
        publication_id,
        unified_metric,
        lifetime_value,
        row_number() over (
            partition by publication_id, unified_metric
            order by collected_at desc
        ) as recency
    from reported_values

),

lifetime_totals as (

    select
        publications.campaign_id,
        publications.platform,
        latest_reported_values.unified_metric,
        sum(latest_reported_values.lifetime_value) as total
    from latest_reported_values
    inner join {{ ref('int_publications__enriched') }} as publications
        on latest_reported_values.publication_id = publications.publication_id
    where latest_reported_values.recency = 1
    group by publications.campaign_id, publications.platform, latest_reported_values.unified_metric

)

select
    coalesce(daily_totals.campaign_id, lifetime_totals.campaign_id) as campaign_id,
    coalesce(daily_totals.platform, lifetime_totals.platform) as platform,
    coalesce(daily_totals.unified_metric, lifetime_totals.unified_metric) as unified_metric,
    daily_totals.total as daily_total,
    lifetime_totals.total as lifetime_total
from daily_totals
full outer join lifetime_totals
    on daily_totals.campaign_id = lifetime_totals.campaign_id
    and daily_totals.platform = lifetime_totals.platform
    and daily_totals.unified_metric = lifetime_totals.unified_metric
where coalesce(daily_totals.total, 0) <> coalesce(lifetime_totals.total, 0)
