"""mediaflow: multi-channel media campaigns as data, on Dagster."""
