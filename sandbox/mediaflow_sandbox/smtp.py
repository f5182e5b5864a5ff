"""The mail server mediaflow delivers to in the demo, the tests and the benchmark: a real SMTP
server (aiosmtpd) on loopback that requires STARTTLS (the sandbox's own certificate) and AUTH
with the sandbox's credentials, keeps every message it accepts, in the order accepted, and can be
told to misbehave: drop the connection, answer 4xx for a while, refuse a domain with 5xx."""

from __future__ import annotations

import re
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mediaflow_sandbox.tls import ensure_certificates

_MESSAGE_ID = re.compile(rb"^Message-ID: *(\S+)", re.MULTILINE | re.IGNORECASE)


@dataclass
class MailFaults:
    """What the server does wrong, each counted down as it happens."""

    drop_connection_at_data: int = 0
    temporary_failures: int = 0
    refused_domains: set[str] = field(default_factory=set)
    policy_refusals: int = 0
    """Messages refused at DATA as a content filter does (554 5.7.1): the address is fine."""
    gone_after: int | None = None
    """Once it took this many messages, the server drops every session and refuses new ones."""

    def gone(self, taken: int) -> bool:
        return self.gone_after is not None and taken >= self.gone_after


@dataclass
class Mailbox:
    """What the server accepted, and its faults; shared with the server's thread."""

    messages: list[bytes] = field(default_factory=list)
    faults: MailFaults = field(default_factory=MailFaults)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[EmailMessage]:
        """Every message taken, parsed now (parsing as they arrive would slow the server)."""
        with self.lock:
            taken = list(self.messages)
        return [message_from_bytes(raw, policy=policy.default) for raw in taken]

    def message_ids(self) -> list[bytes]:
        """The Message-ID of every message taken, read without parsing the messages."""
        with self.lock:
            taken = list(self.messages)
        return [found[1] for raw in taken if (found := _MESSAGE_ID.search(raw))]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.faults = MailFaults()


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(self, server, session, envelope, address: str, options) -> str:
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in self.mailbox.faults.refused_domains:
            return f"550 5.1.1 <{address}>: recipient address rejected: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        faults = self.mailbox.faults
        with self.mailbox.lock:
            if faults.gone(len(self.mailbox.messages)):
                server.transport.abort()
                return "421 4.3.2 service not available"
            if faults.drop_connection_at_data > 0:
                faults.drop_connection_at_data -= 1
                server.transport.abort()
                return "421 4.4.2 connection dropped"
            if faults.policy_refusals > 0:
                faults.policy_refusals -= 1
                return "554 5.7.1 message rejected by policy"
            if faults.temporary_failures > 0:
                faults.temporary_failures -= 1
                return "451 4.3.0 temporary failure, try again later"
            self.mailbox.messages.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK: queued"


class _Credentials:
    def __init__(self, username: str, password: str, mailbox: Mailbox) -> None:
        self.expected = (username.encode(), password.encode())
        self.mailbox = mailbox

    def __call__(self, server, session, envelope, mechanism: str, auth_data) -> AuthResult:
        with self.mailbox.lock:
            if self.mailbox.faults.gone(len(self.mailbox.messages)):
                return AuthResult(success=False, handled=False)
        if (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login,
                auth_data.password,
            )
            == self.expected
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class MailServer:
    """The server on `host:port`, started and stopped with its thread (`with MailServer(...)`)."""

    def __init__(
        self, host: str, port: int, username: str, password: str, certificates_dir: Path
    ) -> None:
        files = ensure_certificates(certificates_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(files.certificate, files.private_key)
        self.ca_bundle = files.ca
        self.mailbox = Mailbox()
        self._controller = Controller(
            _Handler(self.mailbox),
            hostname=host,
            port=port,
            server_hostname="localhost",
            ready_timeout=10,
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            authenticator=_Credentials(username, password, self.mailbox),
        )

    @property
    def address(self) -> tuple[str, int]:
        return self._controller.hostname, self._controller.port

    def __enter__(self) -> MailServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()
