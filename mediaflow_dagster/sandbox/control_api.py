"""The sandbox's own `/_sandbox` endpoints: health, the clock, ground truth, fault plans, and
what happens to a Make connection's access on the platform."""

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
from mediaflow_dagster.sandbox.make_team import ConnectionState, MakeTeam
from mediaflow_dagster.sandbox.platforms import PlatformStore

CONNECTION_CHANGES: dict[str, ConnectionState] = {
    "authorize": "authorized",
    "expire": "expired",
    "revoke": "revoked",
}


class ClockSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None


class SandboxControlApi:
    def __init__(
        self, clock: SimulatedClock, faults: Faults, platforms: PlatformStore, team: MakeTeam
    ) -> None:
        self._clock = clock
        self._faults = faults
        self._platforms = platforms
        self._team = team

    def routes(self) -> list[Route]:
        return [
            Route(f"{CONTROL_PREFIX}/health", self.health),
            Route(f"{CONTROL_PREFIX}/clock", self.clock, methods=["GET", "POST"]),
            Route(f"{CONTROL_PREFIX}/ground-truth", self.ground_truth),
            Route(f"{CONTROL_PREFIX}/faults", self.faults, methods=["GET", "POST", "DELETE"]),
            Route(
                f"{CONTROL_PREFIX}/make/connections/{{connection_id:int}}/{{change}}",
                self.make_connection,
                methods=["POST"],
            ),
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

    async def make_connection(self, request: Request) -> JSONResponse:
        """`authorize`, `expire` (its token) or `revoke` (its access) a Make connection."""
        connection = self._team.connection(request.path_params["connection_id"])
        state = CONNECTION_CHANGES.get(request.path_params["change"])
        if connection is None or state is None:
            return JSONResponse({"error": "no such connection or change"}, status_code=404)
        connection.state = state
        return JSONResponse({"id": connection.id, "state": connection.state})
