"""The sandbox process: one application served over HTTP and over TLS from one event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import uvicorn

from mediaflow_sandbox.app import create_app
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.tls import ensure_certificates

GRACEFUL_SHUTDOWN_SECONDS = 2


class CredentialsMasked(logging.Filter):
    """Masks the credentials an address carries (the SMS provider's account id is part of its
    routes) in the access log's lines, as a provider keeps its customers' credentials out of its
    logs."""

    def __init__(self, credentials: Iterable[str]) -> None:
        super().__init__()
        self.credentials = [credential for credential in credentials if credential]

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._masked(arg) for arg in record.args)
        return True

    def _masked(self, arg: object) -> object:
        if not isinstance(arg, str):
            return arg
        for credential in self.credentials:
            arg = arg.replace(credential, "***")
        return arg


def run_sandbox(settings: SandboxSettings) -> None:
    """Serve until interrupted; issues (or reuses) the TLS certificates under its home first."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    certificates = ensure_certificates(settings.home)
    app = create_app(settings)

    def server(port: int, **tls: Any) -> uvicorn.Server:
        return uvicorn.Server(
            uvicorn.Config(
                app,
                host=settings.host,
                port=port,
                date_header=False,
                lifespan="off",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
                **tls,
            )
        )

    plain = server(settings.port)
    secure = server(
        settings.tls_port,
        ssl_certfile=certificates.certificate,
        ssl_keyfile=certificates.private_key,
    )
    masked = CredentialsMasked(settings.credentials().model_dump().values())
    logging.getLogger("uvicorn.access").addFilter(masked)
    asyncio.run(_serve_together(plain, secure))


async def _serve_together(*servers: uvicorn.Server) -> None:
    await asyncio.gather(*(server.serve() for server in servers))
