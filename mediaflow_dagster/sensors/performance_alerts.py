"""The sensor that holds the campaigns' performance thresholds against the marts after each
build: it wakes on a new materialization of `campaign_performance__summary` (the last mart a
warehouse build writes for the campaign to date), and every crossing or recovery it finds
(`cms/performance_alerts.py`) is reported on that mart as an observation, so the mart's page in
the Dagster UI lists which campaign crossed which threshold, with the figure observed."""

from __future__ import annotations

from dagster import (
    AssetKey,
    AssetObservation,
    DefaultSensorStatus,
    EventLogEntry,
    MetadataValue,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    TableColumn,
    TableRecord,
    TableSchema,
    asset_sensor,
)

from mediaflow_dagster.cms.analytics import MartsNotBuilt
from mediaflow_dagster.cms.performance_alerts import SUMMARY_MART, Change, evaluate_thresholds
from mediaflow_dagster.resources.marts_copy import MARTS_SCHEMA
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.settings import Settings

SUMMARY_KEY = AssetKey([MARTS_SCHEMA, SUMMARY_MART])
CHANGES_SCHEMA = TableSchema(
    columns=[
        TableColumn("change", "string"),
        TableColumn("alert_id", "int"),
        TableColumn("campaign_id", "int"),
        TableColumn("metric", "string"),
        TableColumn("direction", "string"),
        TableColumn("threshold", "float"),
        TableColumn("observed", "float"),
    ]
)


def performance_alerts_sensor(settings: Settings) -> SensorDefinition:
    @asset_sensor(
        asset_key=SUMMARY_KEY,
        name="performance_alerts",
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=60,
    )
    def performance_alerts(
        context: SensorEvaluationContext, asset_event: EventLogEntry, ops_store: OpsStore
    ) -> SensorResult | SkipReason:
        try:
            changes = evaluate_thresholds(settings, ops_store.engine)
        except MartsNotBuilt as error:
            return SkipReason(str(error))
        for change in changes:
            context.log.info(_described(change))
        return SensorResult(asset_events=[observation(changes, asset_event.run_id)])

    return performance_alerts


def observation(changes: list[Change], run_id: str) -> AssetObservation:
    """What the thresholds made of the build of run `run_id`."""
    return AssetObservation(
        asset_key=SUMMARY_KEY,
        description="; ".join(_described(change) for change in changes)
        or "no performance threshold crossed or recovered",
        metadata={
            "performance_alerts_crossed": sum(change.kind == "crossed" for change in changes),
            "performance_alerts_recovered": sum(change.kind == "recovered" for change in changes),
            "performance_alerts": MetadataValue.table(
                records=[
                    TableRecord(
                        {
                            "change": change.kind,
                            "alert_id": change.alert_id,
                            "campaign_id": change.campaign_id,
                            "metric": change.metric,
                            "direction": change.direction,
                            "threshold": change.threshold,
                            "observed": change.observed,
                        }
                    )
                    for change in changes
                ],
                schema=CHANGES_SCHEMA,
            ),
            "evaluated_after_run": run_id,
        },
    )


def _described(change: Change) -> str:
    return (
        f"campaign {change.campaign_id}: {change.metric} {change.observed} "
        f"{change.kind} the threshold ({change.direction} {change.threshold})"
    )
