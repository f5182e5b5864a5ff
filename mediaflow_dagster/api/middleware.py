"""What wraps every request: its body read whole within a size and a time limit, writes from
origins not on the allowlist refused, and one ops-store transaction that commits only when the
answer is a success, with the change's audit entry in it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anyio
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaflow_dagster.api.problems import problem
from mediaflow_dagster.cms.audit import record_change

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("mediaflow.api")


class BodyTooLarge(Exception):
    pass


class RequestLimits:
    """Reads the body before anything else runs: past `max_bytes` it is 413 (at once when the
    declared length says so), not finished within `timeout_seconds` 408; either way the
    handlers never see the request."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(scope, receive, send, 413)
        try:
            with anyio.fail_after(self.timeout_seconds):
                body = await self._read(receive)
        except TimeoutError:
            return await self._refuse(scope, receive, send, 408)
        except BodyTooLarge:
            return await self._refuse(scope, receive, send, 413)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        detail = (
            f"the body is larger than {self.max_bytes} bytes"
            if status == 413
            else f"the body did not arrive within {self.timeout_seconds:g} s"
        )
        await problem(status, detail, headers={"connection": "close"})(scope, receive, send)


class CrossOriginWrites:
    """A browser on another site may not change anything: an unsafe request carrying an `Origin`
    that is not the API's own nor on the allowlist is refused (403) before it is handled.
    (CORS alone only hides the answer from the page; the write would have happened.)"""

    def __init__(self, app: ASGIApp, allowed: list[str], own: str) -> None:
        self.app = app
        self.allowed = {origin.rstrip("/") for origin in allowed} | {own.rstrip("/")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            origin = Headers(scope=scope).get("origin")
            if origin is not None and origin.rstrip("/") not in self.allowed:
                log.warning("refused %s %s from origin %r", scope["method"], scope["path"], origin)
                response = problem(403, f"origin {origin!r} may not change anything here")
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


@dataclass
class RequestTransaction:
    """The request's one transaction, begun when a handler first asks for the store; `audited`
    (who, with which credential) is set for a request that changes something."""

    engine: Engine
    connection: Connection | None = None
    audited: tuple[str, str] | None = field(default=None)

    def connect(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
            self.connection.begin()
        return self.connection

    def finish(self, scope: Scope, status: int, headers: Headers) -> None:
        """Commit a success or a redirect (with its audit entry), roll anything else back; then
        let go."""
        succeeded = 200 <= status < 400
        try:
            if succeeded and self.audited:
                actor, credential = self.audited
                route = scope.get("route")
                record_change(
                    self.connect(),
                    actor=actor,
                    credential=credential,
                    method=scope["method"],
                    route=getattr(route, "path", scope["path"]),
                    target=headers.get("location", scope["path"]),
                    status=status,
                )
            if self.connection is not None:
                if succeeded:
                    self.connection.commit()
                else:
                    self.connection.rollback()
        finally:
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class TransactionPerRequest:
    """Settles the request's transaction when the answer starts, before a byte of it is sent:
    the client never hears of a success the store did not keep. A commit that fails is
    answered 503 instead."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        transaction = RequestTransaction(self.engine)
        scope.setdefault("state", {})["transaction"] = transaction
        replaced = False

        async def settle_then_send(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                try:
                    await run_in_threadpool(
                        transaction.finish, scope, status, Headers(raw=message["headers"])
                    )
                except Exception:
                    log.exception("could not commit %s %s", scope["method"], scope["path"])
                    replaced = True
                    failed = problem(503, "the change could not be stored; nothing was kept")
                    return await failed(scope, receive, send)
            await send(message)

        try:
            await self.app(scope, receive, settle_then_send)
        finally:
            if transaction.connection is not None:
                await run_in_threadpool(transaction.close)
