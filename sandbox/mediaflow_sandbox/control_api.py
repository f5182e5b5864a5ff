"""The sandbox's own `/_sandbox` endpoints: health, the clock, posts seeded in bulk, counter
restatements, ground truth (at an instant or per hour), fault plans, and what happens to a Make
connection's access on the platform."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import CONTROL_PREFIX
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import SimulatedClock, iso_z
from mediaflow_sandbox.faults import FaultPlan, Faults
from mediaflow_sandbox.make_team import ConnectionState, MakeTeam
from mediaflow_sandbox.metrics import Restatement, as_utc
from mediaflow_sandbox.platforms import (
    PLATFORM_RULES,
    PlatformStore,
    PostConflict,
    PostSeed,
    UnknownPost,
)

CONNECTION_CHANGES: dict[str, ConnectionState] = {
    "authorize": "authorized",
    "expire": "expired",
    "revoke": "revoked",
}


class ClockSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: datetime | None


class PostSeeding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    posts: list[PostSeed] = Field(min_length=1)


class InvalidQuery(ValueError):
    pass


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
            Route(f"{CONTROL_PREFIX}/posts", self.seed_posts, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/restatements", self.restate, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/ground-truth", self.ground_truth),
            Route(f"{CONTROL_PREFIX}/ground-truth/hourly", self.hourly_ground_truth),
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

    async def seed_posts(self, request: Request) -> JSONResponse:
        """Posts put straight on their platforms, answered with the ids the platforms gave."""
        try:
            seeding = parse_body(PostSeeding, await request.body())
            posts = self._platforms.seed(seeding.posts)
        except InvalidBody as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except PostConflict as error:
            return JSONResponse({"error": str(error)}, status_code=409)
        return JSONResponse(
            {"posts": [post.identity() for post in posts]},
            status_code=201,
        )

    async def restate(self, request: Request) -> JSONResponse:
        try:
            restatement = parse_body(Restatement, await request.body())
            self._platforms.restate(restatement)
        except UnknownPost as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(restatement.model_dump(mode="json", by_alias=True), status_code=201)

    async def ground_truth(self, request: Request) -> JSONResponse:
        try:
            at = _instant(request, "at") if "at" in request.query_params else None
        except InvalidQuery as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(self._platforms.ground_truth(at))

    async def hourly_ground_truth(self, request: Request) -> JSONResponse:
        platform = request.query_params.get("platform")
        try:
            start = _instant(request, "from")
            end = _instant(request, "to")
            if platform is not None and platform not in PLATFORM_RULES:
                raise InvalidQuery(f"platform: no platform {platform!r}")
            if start > end:
                raise InvalidQuery("to: before from")
            truth = self._platforms.hourly_ground_truth(start, end, platform)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(truth)

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


def _instant(request: Request, name: str) -> datetime:
    """The query parameter `name` as an ISO 8601 instant (naive means UTC)."""
    value = request.query_params.get(name)
    if value is None:
        raise InvalidQuery(f"{name}: required")
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError as error:
        raise InvalidQuery(f"{name}: not an ISO 8601 instant: {value!r}") from error
