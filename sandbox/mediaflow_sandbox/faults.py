"""Injected latency, errors, timeouts and callback misbehaviour, matched by path prefix, drawn
from a seed."""

from __future__ import annotations

import asyncio
import random
from contextlib import suppress
from http import HTTPStatus

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaflow_sandbox.addresses import CONTROL_PREFIX, MAKE_API_PREFIX
from mediaflow_sandbox.make_errors import make_error

DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER = 1


class FaultRule(BaseModel):
    """What goes wrong for requests under `path_prefix`.

    `timeout_ms` holds every request that long (set it above the client's timeout), then
    closes the connection without an answer; with `process_before_timeout` the service handles
    the request first (a webhook's post still gets made), so the client cannot know the outcome.
    `after_requests` lets that many matching requests through untouched before the rule acts
    (a failure in the middle of an upload), and `times` caps how many requests it acts on (a
    fault that heals). The callback fields act on the callbacks a webhook's run sends: late,
    twice, never, or those of one webhook within `reorder_window_ms` of each other in reverse
    order.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path_prefix: str = Field(min_length=1)
    latency_ms: NonNegativeInt = 0
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=503, ge=400, le=599)
    retry_after: NonNegativeInt | None = None
    timeout_ms: NonNegativeInt = 0
    process_before_timeout: bool = False
    duplicate_callbacks: bool = False
    drop_callbacks: bool = False
    reorder_callbacks: bool = False
    reorder_window_ms: PositiveInt = 1000
    callback_delay_ms: NonNegativeInt = 0
    after_requests: NonNegativeInt = 0
    times: PositiveInt | None = None


class FaultPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[FaultRule] = []
    seed: int = 0


class Faults:
    """The plan in force and the seeded random source its error rates are drawn from."""

    def __init__(self) -> None:
        self.apply(FaultPlan())

    def apply(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._requests_matched: dict[int, int] = {}

    def clear(self) -> None:
        self.apply(FaultPlan())

    def rule_for(self, path: str) -> FaultRule | None:
        """The rule with the longest prefix of `path`; the control API is never faulted."""
        if path.startswith(CONTROL_PREFIX):
            return None
        matching = [rule for rule in self.plan.rules if path.startswith(rule.path_prefix)]
        return max(matching, key=lambda rule: len(rule.path_prefix), default=None)

    def acts_on_request(self, rule: FaultRule) -> bool:
        """Count one more request matched by `rule`; True when the rule acts on it: past its
        first `after_requests`, and not yet `times` times."""
        seen = self._requests_matched.get(id(rule), 0)
        self._requests_matched[id(rule)] = seen + 1
        acted_on = seen - rule.after_requests
        return acted_on >= 0 and (rule.times is None or acted_on < rule.times)

    def draws_error(self, rule: FaultRule) -> bool:
        return rule.error_rate > 0 and self._random.random() < rule.error_rate


def injected_error(rule: FaultRule, path: str) -> JSONResponse:
    """The error in the shape the service under `path` answers errors in."""
    status = HTTPStatus(rule.error_status)
    retry_after = rule.retry_after
    if retry_after is None and status is HTTPStatus.TOO_MANY_REQUESTS:
        retry_after = DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    if path.startswith(MAKE_API_PREFIX):
        return make_error(status, status.phrase, headers=headers)
    body = {"error": {"code": status.value, "message": status.phrase}}
    return JSONResponse(body, status_code=status.value, headers=headers)


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.faults.rule_for(scope["path"]) if scope["type"] == "http" else None
        if rule is not None and self.faults.acts_on_request(rule):
            await asyncio.sleep(rule.latency_ms / 1000)
            if rule.timeout_ms:
                await self._time_out(rule, scope, receive)
                return
            if self.faults.draws_error(rule):
                await injected_error(rule, scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _time_out(self, rule: FaultRule, scope: Scope, receive: Receive) -> None:
        if rule.process_before_timeout:
            await self.app(scope, receive, _lost)
        with suppress(TimeoutError):
            await asyncio.wait_for(_disconnected(receive), rule.timeout_ms / 1000)
        await _hang_up(receive)


async def _lost(message: Message) -> None:
    """Where the answer to a request that times out goes."""


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _hang_up(receive: Receive) -> None:
    """Close the connection without answering. ASGI has no message for that, so this reaches
    for the transport of uvicorn's request cycle, whose method `receive` is."""
    receive.__self__.transport.close()  # type: ignore[attr-defined]
    await _disconnected(receive)
