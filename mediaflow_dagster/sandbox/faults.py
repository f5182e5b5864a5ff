"""Injected latency, errors and callback misbehaviour, matched by path prefix, drawn from a seed."""

from __future__ import annotations

import asyncio
import random
from http import HTTPStatus

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mediaflow_dagster.sandbox.addresses import CONTROL_PREFIX

DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER = 1


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path_prefix: str = Field(min_length=1)
    latency_ms: NonNegativeInt = 0
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=503, ge=400, le=599)
    retry_after: NonNegativeInt | None = None
    duplicate_callbacks: bool = False
    callback_delay_ms: NonNegativeInt = 0


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

    def clear(self) -> None:
        self.apply(FaultPlan())

    def rule_for(self, path: str) -> FaultRule | None:
        """The rule with the longest prefix of `path`; the control API is never faulted."""
        if path.startswith(CONTROL_PREFIX):
            return None
        matching = [rule for rule in self.plan.rules if path.startswith(rule.path_prefix)]
        return max(matching, key=lambda rule: len(rule.path_prefix), default=None)

    def draws_error(self, rule: FaultRule) -> bool:
        return rule.error_rate > 0 and self._random.random() < rule.error_rate


def injected_error(rule: FaultRule) -> JSONResponse:
    status = HTTPStatus(rule.error_status)
    retry_after = rule.retry_after
    if retry_after is None and status is HTTPStatus.TOO_MANY_REQUESTS:
        retry_after = DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    body = {"error": {"code": status.value, "message": status.phrase}}
    return JSONResponse(body, status_code=status.value, headers=headers)


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.faults.rule_for(scope["path"]) if scope["type"] == "http" else None
        if rule is not None:
            await asyncio.sleep(rule.latency_ms / 1000)
            if self.faults.draws_error(rule):
                await injected_error(rule)(scope, receive, send)
                return
        await self.app(scope, receive, send)
