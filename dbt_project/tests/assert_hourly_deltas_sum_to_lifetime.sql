{#
    Deltas sum to lifetime: for every post and unified metric, the hourly deltas of
    fct_post_hourly add up to the post's latest lifetime value in fct_post_lifetime
    (corrections included, as negative deltas). Returns the posts and metrics that disagree.
#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_post_hourly'}}}) }}
with delta_totals as (

    select
        publication_id,
        {%- for metric in unified_metrics() %}
        sum({{ metric }}_delta) as {{ metric }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_post_hourly') }}
    group by publication_id

),

lifetimes as (

    select * from {{ ref('fct_post_lifetime') }}

)

{%- for metric in unified_metrics() %}
select
    coalesce(delta_totals.publication_id, lifetimes.publication_id) as publication_id,
    '{{ metric }}' as unified_metric,
    delta_totals.{{ metric }} as delta_total,
    lifetimes.{{ metric }} as lifetime_value
from delta_totals
full outer join lifetimes
    on delta_totals.publication_id = lifetimes.publication_id
where coalesce(delta_totals.{{ metric }}, -1) <> coalesce(lifetimes.{{ metric }}, -1)
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
