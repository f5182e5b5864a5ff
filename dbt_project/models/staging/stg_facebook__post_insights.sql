{#
    Facebook post insights (Graph API v24.0), one row per publication and collection time,
    a column per native metric; a withheld value stays NULL. `shares` is absent from the API
    answer when nobody shared (0); reactions come one row per type present, so an absent
    type is 0 and `reactions_total` adds up every type, including types without a column of
    their own.
#}
with native_snapshots as (

    {{ platform_snapshots('facebook') }}

)

select
    publication_id,
    max(external_post_id) as external_post_id,
    collected_at,
    max(api_version) as api_version,
    {{ native_metric_columns('facebook', absent_means_zero=['shares', 'reactions_like', 'reactions_love', 'reactions_wow', 'reactions_haha', 'reactions_sorry', 'reactions_anger']) }},
    cast(
        coalesce(sum(case when native_metric like '{{ facebook_reaction_prefix() }}%' then metric_value end), 0)
        as {{ dbt.type_bigint() }}
    ) as reactions_total
from native_snapshots
group by publication_id, collected_at
