"""CSV imports of contacts: the file is kept sealed until a run takes it, every line is checked
(`ContactFields`, duplicates within the file and against the store), and then either every line
is stored in one transaction or none is, and the errors name each bad line with its field and the
reason (never the line's personal data). The progress is kept as the run goes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from mediaflow_dagster.cms.contacts import create_contact, record_consent
from mediaflow_dagster.cms.database import transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, NotFound
from mediaflow_dagster.cms.schema import contact_imports, contacts
from mediaflow_dagster.communication.contact_fields import ContactFields
from mediaflow_dagster.communication.vault import Vault

COLUMNS = ("first_name", "last_name", "email", "phone", "language", "time_zone", "tags")
CONSENT_COLUMNS = {"email_marketing": "email", "sms_marketing": "sms"}
PROGRESS_EVERY = 500


def create_import(
    connection: Connection,
    vault: Vault,
    *,
    content: str,
    source: str,
    wording_version: str,
    requested_by: str,
) -> dict[str, Any]:
    lines = max(0, len(content.strip("\n").splitlines()) - 1)
    import_id = connection.execute(
        insert(contact_imports).values(
            status="pending",
            content=vault.seal(content),
            source=source,
            wording_version=wording_version,
            total_lines=lines,
            processed_lines=0,
            imported=0,
            errors=[],
            requested_by=requested_by,
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]
    return get_import(connection, import_id)


def get_import(bind, import_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(contact_imports).where(contact_imports.c.id == import_id)
        ).first()
    if row is None:
        raise NotFound(f"contact import {import_id} does not exist")
    found = dict(row._mapping)
    del found["content"]
    return found


def pending_imports(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [
            row.id
            for row in connection.execute(
                select(contact_imports.c.id)
                .where(contact_imports.c.status == "pending")
                .order_by(contact_imports.c.id)
            )
        ]


def run_import(
    engine: Engine, vault: Vault, import_id: int, log: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Check every line, then store them all or none; the import's outcome."""
    with engine.connect() as connection:
        row = connection.execute(
            select(contact_imports).where(contact_imports.c.id == import_id)
        ).one()
    if row.status != "pending":
        return get_import(engine, import_id)
    checked, errors = _checked_lines(engine, vault, import_id, vault.open(row.content))
    if not errors:
        try:
            with engine.begin() as connection:
                _store(connection, vault, checked, row.source, row.wording_version)
                _finish(connection, import_id, row.total_lines, len(checked), [])
        except (Conflict, IntegrityError):
            errors = [
                {
                    "line": 0,
                    "field": "email",
                    "reason": "a contact of the file was "
                    "created meanwhile by someone else: import the file again",
                }
            ]
    if errors:
        with engine.begin() as connection:
            _finish(connection, import_id, row.total_lines, 0, errors)
    outcome = get_import(engine, import_id)
    log(f"contact import {import_id}: {outcome['status']}, {len(errors)} error(s)")
    return outcome


def _finish(
    connection: Connection, import_id: int, lines: int, imported: int, errors: list[dict]
) -> None:
    """The outcome, and the file dropped: the contacts it held are in the store or nowhere."""
    connection.execute(
        update(contact_imports)
        .where(contact_imports.c.id == import_id)
        .values(
            status="failed" if errors else "done",
            content=None,
            processed_lines=lines,
            imported=imported,
            errors=errors,
            finished_at=utcnow(),
        )
    )


def _checked_lines(
    engine: Engine, vault: Vault, import_id: int, content: str
) -> tuple[list[tuple[dict[str, Any], list[str]]], list[dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(content))
    missing = [name for name in ("first_name",) if name not in (reader.fieldnames or [])]
    if missing:
        return [], [{"line": 1, "field": missing[0], "reason": "the header lacks this column"}]
    unknown = set(reader.fieldnames or []) - set(COLUMNS) - set(CONSENT_COLUMNS)
    if unknown:
        return [], [
            {"line": 1, "field": name, "reason": "not a column mediaflow knows"}
            for name in sorted(unknown)
        ]
    checked, errors, seen = [], [], {}
    with engine.connect() as connection:
        known = {
            index
            for found in connection.execute(select(contacts.c.email_index, contacts.c.phone_index))
            for index in found
            if index
        }
    for number, line in enumerate(reader, start=2):
        raw = {
            name: (line.get(name) or "").strip() or None
            for name in COLUMNS
            if line.get(name) is not None
        }
        raw["tags"] = [tag.strip() for tag in (raw.get("tags") or "").split(";") if tag.strip()]
        raw = {name: value for name, value in raw.items() if value is not None}
        try:
            fields = ContactFields.model_validate(raw).model_dump()
        except ValidationError as error:
            errors.extend(
                {
                    "line": number,
                    "field": ".".join(str(part) for part in problem["loc"]) or "line",
                    "reason": problem["msg"],
                }
                for problem in error.errors(include_input=False, include_url=False)
            )
            continue
        for channel, name in (("email", "email"), ("sms", "phone")):
            index = vault.address_index(channel, fields[name])
            if index is None:
                continue
            if index in known:
                errors.append({"line": number, "field": name, "reason": "a contact has it already"})
            elif index in seen:
                errors.append(
                    {"line": number, "field": name, "reason": f"line {seen[index]} has it too"}
                )
            else:
                seen[index] = number
        consents = [
            channel
            for column, channel in CONSENT_COLUMNS.items()
            if (line.get(column) or "").strip().lower() in {"yes", "oui", "true", "1"}
        ]
        for channel in consents:
            if fields["email" if channel == "email" else "phone"] is None:
                errors.append(
                    {
                        "line": number,
                        "field": f"{channel}_marketing",
                        "reason": "a consent for a channel the contact has no address on",
                    }
                )
        checked.append((fields, consents))
        if (number - 1) % PROGRESS_EVERY == 0:
            with engine.begin() as connection:
                connection.execute(
                    update(contact_imports)
                    .where(contact_imports.c.id == import_id)
                    .values(processed_lines=number - 1)
                )
    return checked, errors


def _store(
    connection: Connection,
    vault: Vault,
    checked: list[tuple[dict[str, Any], list[str]]],
    source: str,
    wording_version: str,
) -> None:
    now = utcnow()
    for fields, consents in checked:
        contact = create_contact(connection, vault, fields, now)
        for channel in consents:
            record_consent(
                connection,
                contact,
                channel=channel,
                purpose="marketing",
                source=source,
                wording_version=wording_version,
                now=now,
            )
