"""A heartbeat per external service that no other run checks on a schedule: one cheap call to
Make's API, n8n's API, Graph, the mail server and the SMS provider, each answer kept as the
service's last known state (`cms/dependencies.py`), which `/health/ready` and
`GET /api/communication/status` report. The platforms' APIs are read by the hourly insights
collection, which keeps their state the same way. Nothing is sent or changed anywhere."""

from collections.abc import Callable

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.dependencies import record_dependency
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.make_api import MAKE_FAILURES, MakeApi
from mediaflow_dagster.resources.n8n_api import N8nApi, N8nApiError
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.resources.sharepoint import (
    GraphRequestFailed,
    GraphSignInFailed,
    SharePoint,
)
from mediaflow_dagster.resources.sms import SmsProvider, SmsRefused
from mediaflow_dagster.resources.smtp import MailServerUnavailable, SmtpMailer

UNANSWERED = (ServiceUnavailable, OutcomeUnknown, OSError)


@asset(key_prefix=OPS, group_name="communication", kinds={"python"})
def dependency_heartbeat(
    context: AssetExecutionContext,
    ops_store: OpsStore,
    make_api: MakeApi,
    n8n_api: N8nApi,
    sharepoint: SharePoint,
    smtp: SmtpMailer,
    sms: SmsProvider,
) -> MaterializeResult:
    """Whether Make, n8n, Graph, the mail server and the SMS provider answer now, each kept as
    its last known state with the reason when it did not (scrubbed of URLs and secrets)."""
    checks: dict[str, tuple[Callable[[], None], tuple[type[BaseException], ...]]] = {
        "make": (make_api.check, MAKE_FAILURES),
        "n8n": (n8n_api.check, (N8nApiError, *UNANSWERED)),
        "graph": (sharepoint.check, (GraphRequestFailed, GraphSignInFailed, *UNANSWERED)),
        "smtp": (smtp.check, (MailServerUnavailable, *UNANSWERED)),
        "sms": (sms.check, (SmsRefused, *UNANSWERED)),
    }
    states = {}
    for service, (check, failures) in checks.items():
        try:
            check()
        except failures as error:
            record_dependency(ops_store.engine, service, False, str(error))
            context.log.warning(f"{service} did not answer its heartbeat")
            states[service] = "failing"
        else:
            record_dependency(ops_store.engine, service, True)
            states[service] = "ok"
    return MaterializeResult(metadata={"services": MetadataValue.json(states)})
