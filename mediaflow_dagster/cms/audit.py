"""The audit log: every change made through the API (who, with which credential, on which route
and target, with what outcome, when), written in the change's own transaction so that one is
never kept without the other. It names credentials by their public id, never by their secret."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from mediaflow_dagster.cms.database import Bind, page, utcnow
from mediaflow_dagster.cms.schema import audit_log


def record_change(
    connection: Connection,
    *,
    actor: str,
    credential: str,
    method: str,
    route: str,
    target: str,
    status: int,
) -> None:
    connection.execute(
        insert(audit_log).values(
            actor=actor[:200],
            credential=credential[:200],
            method=method,
            route=route[:200],
            target=target[:500],
            status=status,
            at=utcnow(),
        )
    )


def audit_entries(
    bind: Bind, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    return page(bind, select(audit_log), audit_log.c.id, after, limit)
