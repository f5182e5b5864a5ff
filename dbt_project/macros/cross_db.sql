{#
    Seconds elapsed from `start_timestamp` to `end_timestamp` (negative when end is
    earlier), fractions included. dbt.datediff counts calendar boundaries crossed, and
    does so differently per adapter, so durations are computed from the interval instead.
#}
{% macro seconds_between(start_timestamp, end_timestamp) %}
    {{ return(adapter.dispatch('seconds_between', 'mediaflow')(start_timestamp, end_timestamp)) }}
{% endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) %}
    extract(epoch from ({{ end_timestamp }} - {{ start_timestamp }}))
{% endmacro %}

{% macro duckdb__seconds_between(start_timestamp, end_timestamp) %}
    cast(date_diff('microsecond', {{ start_timestamp }}, {{ end_timestamp }}) as double) / 1000000
{% endmacro %}

{#
    A 64-bit float on every adapter: dbt.type_float() is `float`, which DuckDB takes as a
    32-bit REAL.
#}
{% macro type_double() %}double precision{% endmacro %}

{# numerator / denominator as a double; NULL when the denominator is NULL or 0. #}
{% macro safe_ratio(numerator, denominator) %}
    cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0)
{% endmacro %}

{#
    What one unit of `units` cost: NULL unless some were gained. A day on which a platform
    corrected its counters down has negative growth, and no cost per unit.
#}
{% macro cost_per(cost, units) %}
    case when {{ units }} > 0 then cast({{ cost }} as {{ type_double() }}) / {{ units }} end
{% endmacro %}

{# A timestamp literal, the same on every adapter. #}
{% macro timestamp_literal(value) %}
    cast('{{ value }}' as {{ dbt.type_timestamp() }})
{% endmacro %}

{# The integers 0 .. `last` as a relation with the one column `column_name`. #}
{% macro integer_series(last, column_name) %}
    {{ return(adapter.dispatch('integer_series', 'mediaflow')(last, column_name)) }}
{% endmacro %}

{% macro default__integer_series(last, column_name) %}
    (select generate_series(0, {{ last }}) as {{ column_name }})
{% endmacro %}

{% macro duckdb__integer_series(last, column_name) %}
    (select unnest(generate_series(0, {{ last }})) as {{ column_name }})
{% endmacro %}

{#
    The index on a post x hour key that the incremental delete+insert and the look-up of a
    post's last hour before the recomputed ones use. PostgreSQL only: DuckDB checks a unique
    index eagerly within a transaction, so deleting and re-inserting a key fails there, and
    its zone maps already serve these look-ups.
#}
{% macro post_hour_index() %}
    {%- if target.type == 'postgres' -%}
        {{ return([{'columns': ['publication_id', 'snapshot_hour'], 'unique': true}]) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{% endmacro %}

{#
    The day the marts report up to: the UTC date of the build (or the var `reporting_date`,
    'YYYY-MM-DD'). Days after it have not happened: the marts show none of them.
#}
{% macro reporting_date() %}
    {%- if var('reporting_date', none) -%}
        cast('{{ var("reporting_date") }}' as date)
    {%- else -%}
        cast(current_timestamp at time zone 'UTC' as date)
    {%- endif -%}
{% endmacro %}
