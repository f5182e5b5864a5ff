"""How the assets are partitioned: per campaign (never per post: the UI stalls past tens of
thousands of partitions) and per collection hour."""

from dagster import DynamicPartitionsDefinition, HourlyPartitionsDefinition

campaign_partitions = DynamicPartitionsDefinition(name="campaigns")
hourly_partitions = HourlyPartitionsDefinition(start_date="2026-01-01-00:00")
