{#
    Social account x day (UTC): the growth of the account's posts during the day (sums of
    fct_post_daily), the posts it published that day and the YouTube daily report totals.
    A metric none of the account's posts reported is NULL, not 0.
#}
{%- set metrics = unified_metrics() %}
with post_days as (

    select * from {{ ref('fct_post_daily') }}

),

published as (

    select
        social_account_id,
        published_date as day,
        count(*) as posts_published
    from {{ ref('dim_posts') }}
    where is_published
    group by social_account_id, published_date

),

growth as (

    select
        social_account_id,
        day,
        count(case when snapshot_hours > 0 then 1 end) as posts_measured,
        {%- for metric in metrics %}
        sum({{ metric }}_delta) as {{ metric }},
        {%- endfor %}
        sum(counter_decreases) as counter_decreases,
        sum(report_watch_minutes) as report_watch_minutes,
        sum(report_subscribers_gained) as report_subscribers_gained
    from post_days
    group by social_account_id, day

),

account_days as (

    select social_account_id, day from growth
    union
    select social_account_id, day from published

)

select
    account_days.social_account_id,
    accounts.platform,
    accounts.account_name,
    account_days.day,
    coalesce(published.posts_published, 0) as posts_published,
    coalesce(growth.posts_measured, 0) as posts_measured,
    {%- for metric in metrics %}
    cast(growth.{{ metric }} as {{ dbt.type_bigint() }}) as {{ metric }},
    {%- endfor %}
    {{ safe_ratio('growth.engagements', 'growth.impressions') }} as engagement_rate,
    cast(coalesce(growth.counter_decreases, 0) as {{ dbt.type_int() }}) as counter_decreases,
    growth.report_watch_minutes,
    cast(growth.report_subscribers_gained as {{ dbt.type_bigint() }}) as report_subscribers_gained
from account_days
inner join {{ ref('dim_accounts') }} as accounts
    on account_days.social_account_id = accounts.social_account_id
left join growth
    on account_days.social_account_id = growth.social_account_id
    and account_days.day = growth.day
left join published
    on account_days.social_account_id = published.social_account_id
    and account_days.day = published.day
