"""The sandbox's own `/_sandbox` endpoints: health, the clock, ground truth and fault plans."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_dagster.sandbox.addresses import CONTROL_PREFIX
from mediaflow_dagster.sandbox.bodies import InvalidBody, parse_body
from mediaflow_dagster.sandbox.clock import SimulatedClock, iso_z
from mediaflow_dagster.sandbox.faults import FaultPlan, Faults
from mediaflow_dagster.sandbox.platforms import PlatformStore


class ClockSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None


class SandboxControlApi:
    def __init__(self, clock: SimulatedClock, faults: Faults, platforms: PlatformStore) -> None:
        self._clock = clock
        self._faults = faults
        self._platforms = platforms

    def routes(self) -> list[Route]:
        return [
            Route(f"{CONTROL_PREFIX}/health", self.health),
            Route(f"{CONTROL_PREFIX}/clock", self.clock, methods=["GET", "POST"]),
            Route(f"{CONTROL_PREFIX}/ground-truth", self.ground_truth),
            Route(f"{CONTROL_PREFIX}/faults", self.faults, methods=["GET", "POST", "DELETE"]),
        ]

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def clock(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                setting = parse_body(ClockSetting, await request.body())
            except InvalidBody as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            self._clock.freeze_at(setting.now)
        return JSONResponse({"now": iso_z(self._clock.now()), "frozen": self._clock.frozen})

    async def ground_truth(self, request: Request) -> JSONResponse:
        return JSONResponse(self._platforms.ground_truth())

    async def faults(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                self._faults.apply(parse_body(FaultPlan, await request.body()))
            except InvalidBody as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        elif request.method == "DELETE":
            self._faults.clear()
        return JSONResponse(self._faults.plan.model_dump())
