"""A circuit breaker per platform, kept in the ops store so every run shares it: after enough
consecutive failures a platform is left alone for a cool-down, then tried again.

(pybreaker keeps its state per process or in Redis; runs are separate processes and the ops store
is what they share.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import platform_circuits


def open_until(engine: Engine, platform: str, now: datetime) -> datetime | None:
    """When the platform's circuit closes again, if it is open now."""
    with engine.connect() as connection:
        until = connection.execute(
            select(platform_circuits.c.open_until).where(platform_circuits.c.platform == platform)
        ).scalar()
    return until if until and until > now else None


def record_failure(
    engine: Engine, platform: str, error: str, *, threshold: int, cooldown: timedelta
) -> bool:
    """Count a failure; True when it opens (or re-opens) the circuit."""
    now = utcnow()
    with engine.begin() as connection:
        failures = connection.execute(
            select(platform_circuits.c.consecutive_failures).where(
                platform_circuits.c.platform == platform
            )
        ).scalar()
        if failures is None:
            connection.execute(
                insert(platform_circuits).values(
                    platform=platform, consecutive_failures=0, updated_at=now
                )
            )
            failures = 0
        failures += 1
        opens = failures >= threshold
        connection.execute(
            update(platform_circuits)
            .where(platform_circuits.c.platform == platform)
            .values(
                consecutive_failures=failures,
                open_until=now + cooldown if opens else None,
                last_error=error,
                updated_at=now,
            )
        )
    return opens


def record_success(engine: Engine, platform: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(platform_circuits)
            .where(platform_circuits.c.platform == platform)
            .values(consecutive_failures=0, open_until=None, updated_at=utcnow())
        )
