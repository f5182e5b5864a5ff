"""Insight readings that arrive from outside the hourly collection (an n8n insights workflow),
kept in the ops store until a collection run lands them in the warehouse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select, tuple_, update

from mediaflow_dagster.cms.database import insert_ignoring_duplicates, utcnow
from mediaflow_dagster.cms.schema import insight_readings, publications, social_accounts


@dataclass(frozen=True)
class KeptReadings:
    stored: int
    duplicates: int
    unknown_posts: list[dict[str, str]]


def keep_readings(
    connection: Connection, batch_id: str, readings: Sequence[dict[str, Any]]
) -> KeptReadings:
    """Store the readings of published posts; a reading already kept (same post, metric and
    time) stays as it was. Readings of posts mediaflow did not publish are left out, named."""
    posts = {(reading["platform"], reading["external_post_id"]) for reading in readings}
    publication_ids = {
        (platform, external_post_id): publication_id
        for platform, external_post_id, publication_id in connection.execute(
            select(social_accounts.c.platform, publications.c.external_post_id, publications.c.id)
            .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
            .where(tuple_(social_accounts.c.platform, publications.c.external_post_id).in_(posts))
        )
    }
    received_at = utcnow()
    rows = [
        {
            **reading,
            "batch_id": batch_id,
            "publication_id": publication_ids[(reading["platform"], reading["external_post_id"])],
            "received_at": received_at,
        }
        for reading in readings
        if (reading["platform"], reading["external_post_id"]) in publication_ids
    ]
    stored = (
        len(
            connection.execute(
                insert_ignoring_duplicates(connection, insight_readings).returning(
                    insight_readings.c.id
                ),
                rows,
            ).all()
        )
        if rows
        else 0
    )
    unknown = sorted(posts - publication_ids.keys())
    return KeptReadings(
        stored=stored,
        duplicates=len(rows) - stored,
        unknown_posts=[{"platform": p, "external_post_id": post_id} for p, post_id in unknown],
    )


def unlanded_readings(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(insight_readings)
            .where(insight_readings.c.landed_run_id.is_(None))
            .order_by(insight_readings.c.id)
        )
        return [dict(row._mapping) for row in rows]


def mark_landed(engine: Engine, reading_ids: Sequence[int], run_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(insight_readings)
            .where(insight_readings.c.id.in_(list(reading_ids)))
            .values(landed_run_id=run_id)
        )
