"""Email over SMTP: one connection per batch (STARTTLS, then AUTH with the settings'
credentials), opened again after the server drops it. A 4xx answer or a dropped connection is
`MailDeferred` (try again later: the message was not accepted); a 5xx answer is `MailRefused`
with the server's reason (the message is failed, never retried)."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from email.policy import compat32
from email.utils import parseaddr
from typing import ClassVar

from dagster import ConfigurableResource
from pydantic import Field

UNFOLDED = compat32.clone(max_line_length=0, linesep="\r\n")
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")
_BAD_MAILBOX = re.compile(r"5\.1\.\d{1,3}\b")


class MailDeferred(Exception):
    """The server did not take the message now (4xx, connection lost): send it again later."""


class MailServerUnavailable(Exception):
    """No session could be opened (unreachable, TLS or credentials refused): nothing can be sent
    now, every message waits."""


class MailRefused(Exception):
    """The server refused the message for good (5xx); the reason is the server's answer."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        super().__init__(f"{code} {reason}")
        self.hard_bounce = bool(_BAD_MAILBOX.match(reason))
        """The address itself is refused (RFC 3463 5.1.x: no such mailbox, no such domain,
        bad address): mailing it again would bounce again."""


class SmtpMailer(ConfigurableResource):
    secrets: ClassVar[tuple[str, ...]] = ("smtp_password",)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    smtp_username: str = "mediaflow"
    smtp_password: str
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    smtp_connections: int = Field(
        default=4, ge=1, le=32, description="Sessions a sending run keeps open at once."
    )
    mail_from: str = "Mediaflow <notifications@mediaflow.example>"
    message_id_domain: str = Field(
        default="mediaflow.example", description="The right-hand side of every Message-ID."
    )
    ca_bundle: str | None = Field(
        default=None, description="CA certificates trusted for STARTTLS (system ones otherwise)."
    )

    def check(self) -> None:
        """Raises `MailServerUnavailable` unless a session opens (STARTTLS, AUTH) and the server
        answers NOOP; nothing is sent."""
        with self.session() as session:
            session.noop()

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        session = MailSession(self)
        try:
            yield session
        finally:
            session.close()


class MailSession:
    def __init__(self, settings: SmtpMailer) -> None:
        self._settings = settings
        self._connection: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        """Hand `message` over (its headers unfolded: every line stays under RFC 5322's 998)."""
        content = message.as_bytes(policy=UNFOLDED)
        sender = parseaddr(str(message["From"]))[1]
        try:
            connection = self._connect()
            refused = connection.sendmail(sender, [str(message["To"])], content)
        except smtplib.SMTPRecipientsRefused as error:
            self._settle_after_refusal()
            code, reason = next(iter(error.recipients.values()))
            raise _classified(code, reason) from error
        except smtplib.SMTPResponseException as error:
            self._settle_after_refusal()
            raise _classified(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self.close()
            raise MailDeferred(f"the connection to the mail server was lost: {error}") from error
        if refused:
            code, reason = next(iter(refused.values()))
            raise _classified(code, reason)

    def noop(self) -> None:
        try:
            code, _ = self._connect().noop()
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailServerUnavailable(f"the mail server stopped answering: {error}") from error
        if code != 250:
            raise MailServerUnavailable(f"the mail server answered NOOP with {code}")

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        settings = self._settings
        try:
            connection = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
            )
        except OSError as error:
            raise MailServerUnavailable(f"the mail server cannot be reached: {error}") from error
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if settings.smtp_starttls:
                context = ssl.create_default_context(cafile=settings.ca_bundle)
                connection.starttls(context=context)
            connection.login(settings.smtp_username, settings.smtp_password)
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise MailServerUnavailable(f"no session with the mail server: {error}") from error
        self._connection = connection
        return connection

    def _settle_after_refusal(self) -> None:
        """After a refused message the session goes on; reset it, or reconnect next time."""
        if self._connection is None:
            return
        try:
            self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self._connection.close()
            self._connection = None


def _classified(code: int, reason: bytes | str) -> Exception:
    """The exception for the server's answer, every address in it replaced (the reason is kept
    with the message and shown in the UI: it must not name the recipient)."""
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    text = _ADDRESS.sub("<recipient>", text)
    if 400 <= code < 500:
        return MailDeferred(f"the mail server deferred the message: {code} {text}")
    return MailRefused(code, text)
