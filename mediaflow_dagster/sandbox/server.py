"""The sandbox process: one application served over HTTP and over TLS from one event loop."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from mediaflow_dagster.sandbox.app import create_app
from mediaflow_dagster.sandbox.tls import ensure_certificates
from mediaflow_dagster.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 2


def run_sandbox(settings: Settings) -> None:
    """Serve until interrupted; issues (or reuses) the TLS certificates under home/sandbox first."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    certificates = ensure_certificates(settings.home / "sandbox")
    app = create_app(settings)
    plain = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.sandbox_host,
            port=settings.sandbox_port,
            date_header=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )
    secure = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.sandbox_host,
            port=settings.sandbox_tls_port,
            date_header=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            ssl_certfile=certificates.certificate,
            ssl_keyfile=certificates.private_key,
        )
    )
    asyncio.run(_serve_together(plain, secure))


async def _serve_together(*servers: uvicorn.Server) -> None:
    await asyncio.gather(*(server.serve() for server in servers))
