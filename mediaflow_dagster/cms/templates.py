"""Notification templates: each save of a (name, language) is a new version; messages record
the version they were rendered from. A message goes out in its contact's language, or in the
language the template was first written in when it has none for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.schema import notification_templates
from mediaflow_dagster.communication.templates import PARTS, check, render


def save_template(
    connection: Connection, *, name: str, language: str, purpose: str, created_by: str, **parts
) -> dict[str, Any]:
    """A new version of the template (`TemplateProblem` when a part is not valid Handlebars)."""
    check({part: parts.get(part) for part in PARTS})
    version = (
        connection.execute(
            select(func.max(notification_templates.c.version)).where(
                (notification_templates.c.name == name)
                & (notification_templates.c.language == language)
            )
        ).scalar()
        or 0
    ) + 1
    template_id = connection.execute(
        insert(notification_templates).values(
            name=name,
            language=language,
            version=version,
            purpose=purpose,
            created_by=created_by,
            created_at=utcnow(),
            **{part: parts.get(part) for part in PARTS},
        )
    ).inserted_primary_key[0]
    return template_by_id(connection, template_id)


def template_by_id(connection: Connection, template_id: int) -> dict[str, Any]:
    row = connection.execute(
        select(notification_templates).where(notification_templates.c.id == template_id)
    ).one()
    return dict(row._mapping)


def template_for(
    connection: Connection, name: str, language: str, version: int | None = None
) -> dict[str, Any]:
    """The latest version (or `version`) of `name` in `language`, or in the template's first
    language when it has none in `language`."""
    query = select(notification_templates).where(notification_templates.c.name == name)
    rows = [dict(row._mapping) for row in connection.execute(query)]
    if not rows:
        raise NotFound(f"template {name!r} does not exist")
    first_language = min(rows, key=lambda row: row["id"])["language"]
    for wanted in (language, first_language):
        candidates = [
            row
            for row in rows
            if row["language"] == wanted and (version is None or row["version"] == version)
        ]
        if candidates:
            return max(candidates, key=lambda row: row["version"])
    raise NotFound(f"template {name!r} has no version {version} in {language!r}")


def templates_page(
    connection: Connection, name: str | None, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    query = select(notification_templates).order_by(notification_templates.c.id)
    if name is not None:
        query = query.where(notification_templates.c.name == name)
    if after is not None:
        query = query.where(notification_templates.c.id > after)
    rows = [dict(row._mapping) for row in connection.execute(query.limit(limit + 1))]
    return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)


def latest_versions(connection: Connection, name: str) -> list[dict[str, Any]]:
    """The latest version of `name` in each of its languages (`NotFound` when it has none)."""
    rows = connection.execute(
        select(notification_templates).where(notification_templates.c.name == name)
    ).all()
    if not rows:
        raise NotFound(f"template {name!r} does not exist")
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.language not in latest or row.version > latest[row.language]["version"]:
            latest[row.language] = dict(row._mapping)
    return list(latest.values())


SAMPLE_CUSTOMER = {"first_name": "Camille", "last_name": "Martin"}


def check_fills(connection: Connection, name: str, data: dict[str, Any]) -> None:
    """Whether `data` fills every language of template `name` (for a sample customer):
    `NotFound` without the template, the `TemplateProblem` of the first part it does not fill."""
    for template in latest_versions(connection, name):
        render(template, {**data, "customer": SAMPLE_CUSTOMER})
