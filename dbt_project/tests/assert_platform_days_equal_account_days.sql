{#
    The platform-day mart and the account-day fact split the same growth two ways: per
    platform and day they add up to the same totals. Returns the platform-days that differ.
#}
{{ config(meta={'dagster': {'ref': {'name': 'platform_performance__daily'}}}) }}
with account_totals as (

    select
        platform,
        day,
        {%- for metric in unified_metrics() %}
        sum({{ metric }}) as {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_account_daily') }}
    group by platform, day

)

select platform_days.platform, platform_days.day
from {{ ref('platform_performance__daily') }} as platform_days
left join account_totals
    on platform_days.platform = account_totals.platform
    and platform_days.day = account_totals.day
where 1 = 0
{%- for metric in unified_metrics() %}
    or coalesce(platform_days.{{ metric }}, 0) <> coalesce(account_totals.{{ metric }}, 0)
{%- endfor %}
