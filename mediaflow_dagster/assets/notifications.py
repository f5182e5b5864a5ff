"""Notifications to contacts: requests planned into messages, and every due message sent once.
The UI shows how many messages are in each status and the latest failures with their reasons,
never an address or a name."""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.dispatch import plan_requests, send_due
from mediaflow_dagster.cms.notifications import recent_failures, status_counts
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.smtp import MailServerUnavailable, SmtpMailer
from mediaflow_dagster.tables import markdown_table


@asset(key_prefix=OPS, group_name="notifications", kinds={"smtp", "sms"})
def notification_messages(
    context: AssetExecutionContext,
    ops_store: OpsStore,
    personal_data: PersonalData,
    smtp: SmtpMailer,
    sms: SmsProvider,
) -> MaterializeResult:
    """Each new notification request planned (one message per contact and channel), then every
    due message rendered and handed to the mail server or the SMS provider, once."""
    engine = ops_store.engine
    planned = plan_requests(engine)
    try:
        report = send_due(
            engine,
            personal_data.vault(),
            personal_data.links(),
            smtp,
            sms,
            progress=lambda so_far: context.log.info(f"sent so far: {dict(so_far.outcomes)}"),
        )
    except MailServerUnavailable as unavailable:
        raise Failure(f"nothing more can be sent now: {unavailable}") from unavailable
    with engine.connect() as connection:
        counts = status_counts(connection)
        failures = recent_failures(connection)
    return MaterializeResult(
        metadata={
            "planned": MetadataValue.int(planned),
            "this_run": MetadataValue.json(dict(report.outcomes)),
            "interrupted": MetadataValue.int(report.interrupted),
            "by_status": MetadataValue.json(counts),
            "failures": MetadataValue.md(markdown_table(failures)),
        }
    )
