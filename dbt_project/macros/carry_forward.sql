{#
    The last reported (non-NULL) lifetime value of `value_column` in the window frame
    `frame`, for rows ordered by the hour `hour_column` within `partition_by`: the value
    of the latest earlier hour that reported one, skipping hours that did not.

    PostgreSQL has no IGNORE NULLS, so the value rides on its hour: the running maximum of
    (hours since 1970 * 10^12 + value) is the latest reported hour's entry, and its value
    is the remainder. Exact for lifetime values from 0 to 10^12 - 1 (a trillion), which
    counters of one post stay below. One window specification serves every metric, so
    carrying nine metrics forward costs one sort.
#}
{% macro last_reported_value(value_column, hour_column, partition_by, frame) %}
    mod(
        max(
            case
                when {{ value_column }} is not null
                    then cast({{ dbt.datediff(timestamp_literal('1970-01-01 00:00:00'), hour_column, 'hour') }} as {{ dbt.type_bigint() }})
                        * cast(1000000000000 as {{ dbt.type_bigint() }})
                        + {{ value_column }}
            end
        ) over (
            partition by {{ partition_by }}
            order by {{ hour_column }}
            rows between {{ frame }}
        ),
        cast(1000000000000 as {{ dbt.type_bigint() }})
    )
{% endmacro %}
