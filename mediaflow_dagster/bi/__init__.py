"""Apache Superset over the dbt marts: the dashboards as code and the set-up that serves them."""
