"""Logs as one JSON object a line, for a log collector: `time`, `level`, `logger`, `message`, and
the run, campaign and publication a line is about where it knows them (a Dagster run's events carry
their run id; mediaflow's own lines pass `extra={"campaign_id": ...}`).

`MEDIAFLOW_LOG_FORMAT=json` selects it for `mediaflow api` (uvicorn's lines too); the production
Dagster instance (`deploy/dagster.yaml`) formats every run's events with `JsonFormatter`.

A line never holds a secret or a contact's address: the value of every secret variable of the
process's environment (`MEDIAFLOW_*` keys, tokens, secrets, passwords, account SIDs, the
database's URL, any URL's password) and anything shaped like an e-mail address are replaced
before the line is written; the access log keeps the path without its query (signed links and
OAuth codes travel there) and leaves the caller's address out.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import urlsplit

import structlog

SECRET_VARIABLE = re.compile(r"^MEDIAFLOW_\w*(SECRET|KEY|KEYS|TOKEN|PASSWORD|_SID|POSTGRES_URL)$")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
REDACTED = "[redacted]"
SHORTEST_SECRET = 8
IDENTIFIERS = ("run_id", "campaign_id", "publication_id")


def secret_values(environment: dict[str, str]) -> list[str]:
    """The values to keep out of every line, longest first (so a secret holding another one is
    replaced whole); a URL's password is one of them."""
    values = set()
    for name, value in environment.items():
        if SECRET_VARIABLE.match(name):
            values.update(part.strip() for part in value.split(","))
        if name.startswith("MEDIAFLOW_") and "://" in value:
            values.add(urlsplit(value).password or "")
    return sorted((v for v in values if len(v) >= SHORTEST_SECRET), key=len, reverse=True)


class Redactor:
    """Replaces the secrets of the environment it was made in, and e-mail addresses."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.secrets = secret_values(environment)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return EMAIL_ADDRESS.sub(REDACTED, text)


def scrubbed(text: str, environment: dict[str, str]) -> str:
    """`text` fit to leave the process in an alert: each URL cut to its scheme and host (paths
    and queries carry hook tokens and signed links), then `Redactor`'s secrets and addresses."""
    return Redactor(environment)(URL.sub(_origin_only, text))


def _origin_only(match: re.Match[str]) -> str:
    parts = urlsplit(match.group())
    host = parts.hostname or ""
    origin = f"{parts.scheme}://{host}{f':{parts.port}' if _has_port(parts) else ''}"
    return origin if parts.path in ("", "/") and not parts.query else f"{origin}/…"


def _has_port(parts) -> bool:
    try:
        return parts.port is not None
    except ValueError:
        return False


def _known_identifiers(_, __, event: dict[str, Any]) -> dict[str, Any]:
    record: logging.LogRecord = event["_record"]
    dagster_meta = getattr(record, "dagster_meta", None) or {}
    for name in IDENTIFIERS:
        value = getattr(record, name, None) or dagster_meta.get(name)
        if value is not None:
            event[name] = value
    if dagster_meta.get("step_key"):
        event["step"] = dagster_meta["step_key"]
    if dagster_meta.get("orig_message"):
        event["event"] = dagster_meta["orig_message"]  # without Dagster's "job - run - step" prefix
    return event


def _access_line(_, __, event: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's access line without the caller's address and the query."""
    arguments = event.pop("positional_args", ())
    if event["_record"].name == "uvicorn.access" and len(arguments) == 5:
        _, method, full_path, _, status = arguments
        path = urlsplit(str(full_path)).path
        event.update(event=f"{method} {path} {status}", method=method, path=path, status=status)
    return event


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """A `logging.Formatter` writing each record as one JSON line (structlog's renderer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.redact = Redactor(dict(os.environ))
        super().__init__(
            *args,
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
                _access_line,
                _known_identifiers,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.EventRenamer("message"),
                structlog.processors.JSONRenderer(default=str),
            ],
            pass_foreign_args=True,
            **kwargs,
        )

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any] | None:
    """`logging.config.dictConfig` input putting every logger (uvicorn's too) on one JSON line
    handler on stdout; None for the text format (each library's own)."""
    if log_format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
