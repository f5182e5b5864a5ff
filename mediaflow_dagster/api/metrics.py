"""The API's Prometheus metrics at `GET /metrics` (prometheus-client's text format): requests by
route template and status, their latency, and what waits in the ops store: callbacks received and
not processed yet, outbound webhook deliveries not sent yet, platforms whose circuit is open.

Who may read them: a caller on the same machine (loopback) without a credential, as a sidecar
scraper would be; anyone else with a key or token holding `metrics:read`. Each API process counts
its own requests: scrape every process (each container of `deploy/compose.yaml`), not the shared
address. The stores' depths are read from the ops store at each scrape, so every process tells
the same.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import datetime
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import Connection, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaflow_dagster.api import intake
from mediaflow_dagster.api.problems import documented
from mediaflow_dagster.api.routes.common import PROTECTED
from mediaflow_dagster.api.security import bearer, connection, require
from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import callback_inbox, platform_circuits, webhook_deliveries

UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ApiMetrics:
    """One API process's metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mediaflow_api_requests",
            "Requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mediaflow_api_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.inbox_depth = Gauge(
            "mediaflow_callback_inbox_depth",
            "Callbacks kept in the inbox and not processed yet, by source.",
            ["source"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "mediaflow_webhook_outbox_depth",
            "Outbound webhook deliveries not sent yet (pending, retries included).",
            registry=self.registry,
        )
        self.open_circuits = Gauge(
            "mediaflow_platform_circuit_open",
            "1 while a platform's circuit is open (its calls paused after repeated failures).",
            ["platform"],
            registry=self.registry,
        )

    def read_stores(self, store: Connection, now: datetime) -> None:
        self.inbox_depth.clear()
        waiting = store.execute(
            select(callback_inbox.c.source, func.count())
            .where(callback_inbox.c.status == "received")
            .group_by(callback_inbox.c.source)
        )
        for source, count in waiting:
            self.inbox_depth.labels(source).set(count)
        self.outbox_depth.set(
            store.scalar(select(func.count()).where(webhook_deliveries.c.status == "pending"))
        )
        self.open_circuits.clear()
        for platform, open_until in store.execute(
            select(platform_circuits.c.platform, platform_circuits.c.open_until)
        ):
            self.open_circuits.labels(platform).set(
                int(open_until is not None and open_until > now)
            )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """Counts and times every HTTP request by its route's template (`/api/campaigns/{campaign_id}`,
    never the concrete path: one series per route, whatever the callers send)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            route = route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(
                time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None:
        return route.path
    if scope["path"] in intake.ROUTES:
        return scope["path"]
    return UNMATCHED


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_with_metrics_scope = get_args(require("metrics:read"))[1].dependency


def metrics_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """A loopback caller without a credential, or a credential holding `metrics:read`."""
    if credentials is None and is_loopback(request.client.host if request.client else None):
        return
    _with_metrics_scope(request, credentials)


router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The metrics, in Prometheus's text format.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **documented(*PROTECTED),
    },
)
def metrics(
    request: Request,
    _: Annotated[None, Depends(metrics_reader)],
    store: Annotated[Connection, Depends(connection)],
) -> Response:
    """The API process's metrics; open to the same machine, `metrics:read` otherwise."""
    api_metrics: ApiMetrics = request.app.state.metrics
    api_metrics.read_stores(store, utcnow())
    return Response(api_metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
