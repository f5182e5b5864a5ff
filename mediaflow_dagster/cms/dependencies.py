"""The last known state of each external service mediaflow depends on, as the runs found it: Make,
n8n, Graph, the mail server and the SMS provider from the heartbeat (`dependency_heartbeat_job`,
every 15 minutes), each platform from its publishing circuit breaker, the hourly insights
collection's reading of its API and its accounts' read credentials. Read by `/health/ready` and
`GET /api/communication/status`, which call no service themselves. A detail is scrubbed before
it is kept (`logs.scrubbed`): those answers show it."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.schema import (
    account_credentials,
    dependency_checks,
    platform_circuits,
    social_accounts,
)
from mediaflow_dagster.logs import scrubbed

CHECKED_SERVICES = ("make", "n8n", "graph", "smtp", "sms")


def record_dependency(bind: Bind, service: str, ok: bool, detail: str | None = None) -> None:
    with transaction(bind) as connection:
        connection.execute(delete(dependency_checks).where(dependency_checks.c.service == service))
        connection.execute(
            insert(dependency_checks).values(
                service=service,
                ok=ok,
                detail=scrubbed(detail, dict(os.environ)) if detail else None,
                checked_at=utcnow(),
            )
        )


def dependency_states(bind: Bind, now: datetime) -> dict[str, dict[str, Any]]:
    """Each service's `state` (`ok`, `degraded`, `failing` or `unknown`: never checked yet),
    with a `detail` and when it was `checked_at`; the platforms of the registered accounts."""
    with transaction(bind) as connection:
        checked = {row.service: row for row in connection.execute(select(dependency_checks))}
        circuits = {row.platform: row for row in connection.execute(select(platform_circuits))}
        platforms = connection.execute(select(social_accounts.c.platform).distinct()).scalars()
        to_reconnect = dict(
            connection.execute(
                select(social_accounts.c.platform, func.count())
                .join(
                    account_credentials,
                    account_credentials.c.social_account_id == social_accounts.c.id,
                )
                .where(account_credentials.c.reconnect_reason.is_not(None))
                .group_by(social_accounts.c.platform)
            ).all()
        )
        states = {service: _checked(checked.get(service)) for service in CHECKED_SERVICES}
        for platform in sorted(platforms):
            states[platform] = _platform(
                circuits.get(platform), checked.get(platform), to_reconnect.get(platform, 0), now
            )
    return states


def _checked(row: Any) -> dict[str, Any]:
    if row is None:
        return {"state": "unknown", "detail": "not checked yet", "checked_at": None}
    return {
        "state": "ok" if row.ok else "failing",
        "detail": row.detail,
        "checked_at": row.checked_at,
    }


def _platform(circuit: Any, read: Any, to_reconnect: int, now: datetime) -> dict[str, Any]:
    """Failing while its publishing circuit is open or when its API failed the last insights
    collection; degraded while accounts wait to be reconnected."""
    checked_at = max(
        (moment for moment in (circuit and circuit.updated_at, read and read.checked_at) if moment),
        default=None,
    )
    if circuit is not None and circuit.open_until and circuit.open_until > now:
        return {
            "state": "failing",
            "detail": f"publishing circuit open until {circuit.open_until:%Y-%m-%d %H:%M} UTC "
            f"after {circuit.consecutive_failures} failures: {circuit.last_error}",
            "checked_at": checked_at,
        }
    if read is not None and not read.ok:
        return {
            "state": "failing",
            "detail": f"insights collection: {read.detail}",
            "checked_at": checked_at,
        }
    if to_reconnect:
        return {
            "state": "degraded",
            "detail": f"{to_reconnect} account(s) to reconnect: their read credential was refused",
            "checked_at": checked_at,
        }
    return {"state": "ok", "detail": None, "checked_at": checked_at}
