"""What the notification tests share: the sandbox's mail server on loopback with the mediaflow
settings aimed at it, and contacts made ready to receive (consent confirmed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from mediaflow_dagster.cms import contacts
from mediaflow_dagster.communication.vault import Vault
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.smtp import MailServer


@contextmanager
def mail_server(certificates: Path) -> Iterator[MailServer]:
    """The mail server, taking the SMTP credentials of this test session's environment."""
    [port] = free_local_ports(1)
    with MailServer(
        "127.0.0.1", port, "mediaflow", os.environ["MEDIAFLOW_SMTP_PASSWORD"], certificates
    ) as server:
        yield server


def mail_environment(server: MailServer) -> dict[str, str]:
    host, port = server.address
    return {
        "MEDIAFLOW_SMTP_HOST": host,
        "MEDIAFLOW_SMTP_PORT": str(port),
        "MEDIAFLOW_CA_BUNDLE": str(server.ca_bundle),
    }


def ready_contact(
    engine: Engine,
    vault: Vault,
    *,
    first_name: str = "Alice",
    email: str | None = "alice@example.org",
    phone: str | None = None,
    language: str = "fr",
    tags: tuple[str, ...] = ("regular_customers",),
    consents: tuple[tuple[str, str], ...] = (("email", "marketing"),),
    confirmed: bool = True,
) -> dict:
    """A contact with the consents given (confirmed through their double opt-in unless said)."""
    with engine.begin() as connection:
        contact = contacts.create_contact(
            connection,
            vault,
            {
                "first_name": first_name,
                "last_name": None,
                "email": email,
                "phone": phone,
                "language": language,
                "time_zone": "Europe/Paris",
                "tags": list(tags),
            },
        )
        for channel, purpose in consents:
            consent = contacts.record_consent(
                connection,
                contact,
                channel=channel,
                purpose=purpose,
                source="tests",
                wording_version="1",
            )
            if confirmed:
                contacts.confirm_consent(connection, consent["id"])
    return contact
