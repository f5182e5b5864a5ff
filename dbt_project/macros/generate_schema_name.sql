{#
    A model's custom schema (`+schema: staging`) is its schema, as-is: models land in
    `staging`, `intermediate` and `marts`, not `analytics_staging`. Nodes without a
    custom schema fall back to the target's schema (`analytics`).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
