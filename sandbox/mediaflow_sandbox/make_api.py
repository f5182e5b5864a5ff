"""Make API v2: connections, webhooks and scenarios of one team, behind `Authorization: Token`
and the organization's rate limit, answering errors in Make's shape."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import MAKE_API_PREFIX
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import iso_z
from mediaflow_sandbox.make import MakeScenarios
from mediaflow_sandbox.make_blueprint import (
    CONNECTION_LABELS,
    InvalidBlueprint,
    read_blueprint,
    rewired,
)
from mediaflow_sandbox.make_errors import make_error
from mediaflow_sandbox.make_team import Connection, Hook, MakeTeam, Scenario
from mediaflow_sandbox.rate_limit import RollingWindowLimit

Endpoint = Callable[[Request], Awaitable[Response]]
Body = TypeVar("Body", bound=BaseModel)
Thing = TypeVar("Thing")


class MakeApiError(Exception):
    def __init__(self, status: HTTPStatus, detail: str, suberrors: list[str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.suberrors = suberrors


class CamelBody(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel)


class NewConnection(CamelBody):
    account_name: str = Field(min_length=1, max_length=128)
    account_type: str
    scopes: list[str] = []


class NewHook(CamelBody):
    name: str = Field(min_length=1, max_length=128)
    team_id: int
    type_name: Literal["gateway-webhook"]


class NewScenario(CamelBody):
    blueprint: str
    team_id: int
    scheduling: str
    folder_id: int | None = None


class ScenarioClone(CamelBody):
    name: str = Field(min_length=1, max_length=120)
    team_id: int
    account: dict[int, int] = {}
    hook: dict[int, int] = {}


class MakeApi:
    def __init__(
        self,
        team: MakeTeam,
        scenarios: MakeScenarios,
        token: str,
        limit: RollingWindowLimit,
        hook_base_url: str,
    ) -> None:
        self._team = team
        self._hook_base_url = hook_base_url
        self._scenarios = scenarios
        self._token = token
        self._limit = limit

    def routes(self) -> list[Route]:
        endpoints: list[tuple[str, Endpoint, str]] = [
            ("/teams/{team_id:int}", self.get_team, "GET"),
            ("/connections", self.create_connection, "POST"),
            ("/connections/{connection_id:int}/test", self.test_connection, "POST"),
            ("/connections/{connection_id:int}", self.delete_connection, "DELETE"),
            ("/hooks", self.create_hook, "POST"),
            ("/hooks/{hook_id:int}", self.get_hook, "GET"),
            ("/scenarios", self.create_scenario, "POST"),
            ("/scenarios/{scenario_id:int}", self.get_scenario, "GET"),
            ("/scenarios/{scenario_id:int}/clone", self.clone_scenario, "POST"),
            ("/scenarios/{scenario_id:int}/start", self.start_scenario, "POST"),
            ("/scenarios/{scenario_id:int}/stop", self.stop_scenario, "POST"),
        ]
        return [
            Route(f"{MAKE_API_PREFIX}{path}", self._guarded(endpoint), methods=[method])
            for path, endpoint, method in endpoints
        ]

    async def get_team(self, request: Request) -> Response:
        self._check_team(request.path_params["team_id"])
        return JSONResponse(
            {
                "team": {
                    "id": request.path_params["team_id"],
                    "name": "mediaflow",
                    "organizationId": 1,
                }
            }
        )

    async def create_connection(self, request: Request) -> Response:
        self._check_team(_query_int(request, "teamId"))
        order = await _body(NewConnection, request)
        if order.account_type not in CONNECTION_LABELS:
            raise MakeApiError(
                HTTPStatus.BAD_REQUEST,
                f"Unknown connection type {order.account_type!r}",
                [f"accountType must be one of {', '.join(CONNECTION_LABELS)}"],
            )
        connection = self._team.create_connection(
            order.account_name, order.account_type, order.scopes
        )
        return JSONResponse({"connection": self._connection(connection)})

    async def test_connection(self, request: Request) -> Response:
        connection = _found(
            self._team.connection(request.path_params["connection_id"]), "Connection"
        )
        return JSONResponse({"verified": connection.verified})

    async def delete_connection(self, request: Request) -> Response:
        """Make forgets the connection and the platform tokens it held; a second delete is 404."""
        connection = _found(
            self._team.delete_connection(request.path_params["connection_id"]), "Connection"
        )
        return JSONResponse({"connection": connection.id})

    async def create_hook(self, request: Request) -> Response:
        order = await _body(NewHook, request)
        self._check_team(order.team_id)
        return JSONResponse({"hook": self._hook(self._team.create_hook(order.name))})

    async def get_hook(self, request: Request) -> Response:
        hook = _found(self._team.hook(request.path_params["hook_id"]), "Hook")
        return JSONResponse({"hook": self._hook(hook)})

    async def create_scenario(self, request: Request) -> Response:
        order = await _body(NewScenario, request)
        self._check_team(order.team_id)
        blueprint = read_blueprint(order.blueprint)
        scenario = self._team.create_scenario(
            str(blueprint.get("name") or "New scenario"),
            blueprint,
            _scheduling(order.scheduling),
            order.folder_id,
        )
        return JSONResponse({"scenario": self._scenario(scenario)})

    async def get_scenario(self, request: Request) -> Response:
        return JSONResponse({"scenario": self._scenario(self._scenario_at(request))})

    async def clone_scenario(self, request: Request) -> Response:
        _query_int(request, "organizationId")
        original = self._scenario_at(request)
        order = await _body(ScenarioClone, request)
        self._check_team(order.team_id)
        scenario = self._team.create_scenario(
            order.name,
            rewired(original.blueprint, order.hook, order.account),
            original.scheduling,
            original.folder_id,
        )
        return JSONResponse({"scenario": self._scenario(scenario)})

    async def start_scenario(self, request: Request) -> Response:
        scenario = self._scenario_at(request)
        self._scenarios.run_queued(scenario, self._team.start(scenario))
        return JSONResponse({"scenario": _activity(scenario)})

    async def stop_scenario(self, request: Request) -> Response:
        scenario = self._scenario_at(request)
        scenario.is_active = False
        return JSONResponse({"scenario": _activity(scenario)})

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        """`endpoint` for callers with the API token, within the rate limit."""

        async def guarded(request: Request) -> Response:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "token" or token != self._token:
                return make_error(
                    HTTPStatus.UNAUTHORIZED, "Invalid or missing API token.", code="IM005"
                )
            retry_after = self._limit.admit(token)
            if retry_after is not None:
                return make_error(
                    HTTPStatus.TOO_MANY_REQUESTS,
                    "Requests limit for organization exceeded, please try again later.",
                    headers={"Retry-After": str(retry_after)},
                )
            try:
                return await endpoint(request)
            except MakeApiError as error:
                return make_error(error.status, error.detail, suberrors=error.suberrors)
            except InvalidBlueprint as error:
                return make_error(
                    HTTPStatus.BAD_REQUEST, f"Invalid blueprint: {error}", suberrors=error.reasons
                )

        return guarded

    def _check_team(self, team_id: int) -> None:
        if team_id != self._team.team_id:
            raise MakeApiError(HTTPStatus.FORBIDDEN, f"No access to team {team_id}.")

    def _scenario_at(self, request: Request) -> Scenario:
        return _found(self._team.scenario(request.path_params["scenario_id"]), "Scenario")

    def _connection(self, connection: Connection) -> dict[str, Any]:
        """As Make shows one: `name` is what the request called `accountName`, `accountName`
        the app (the request's `accountType`), and `accountType` how it authorizes."""
        return {
            "id": connection.id,
            "name": connection.name,
            "accountName": connection.connection_type,
            "accountLabel": CONNECTION_LABELS[connection.connection_type],
            "accountType": "oauth",
            "packageName": None,
            "expire": None,
            "metadata": {},
            "teamId": self._team.team_id,
            "upgradeable": False,
            "scopes": len(connection.scopes),
            "scoped": True,
            "editable": False,
            "uid": None,
        }

    def _hook(self, hook: Hook) -> dict[str, Any]:
        return {
            "id": hook.id,
            "name": hook.name,
            "teamId": self._team.team_id,
            "udid": hook.udid,
            "url": f"{self._hook_base_url}{hook.path}",
            "typeName": "gateway-webhook",
            "enabled": True,
            "queueCount": len(hook.queue),
            "scenarioId": hook.scenario_id,
        }

    def _scenario(self, scenario: Scenario) -> dict[str, Any]:
        return {
            "id": scenario.id,
            "name": scenario.name,
            "teamId": self._team.team_id,
            "hookId": scenario.hook.id,
            "folderId": scenario.folder_id,
            "description": "",
            "scheduling": scenario.scheduling,
            "isActive": scenario.is_active,
            "isPaused": False,
            "islinked": scenario.is_active,
            "isinvalid": False,
            "usedPackages": list(scenario.wiring.packages),
            "created": iso_z(scenario.created),
        }


def _activity(scenario: Scenario) -> dict[str, Any]:
    return {"id": scenario.id, "isActive": scenario.is_active, "islinked": scenario.is_active}


async def _body(model: type[Body], request: Request) -> Body:
    try:
        return parse_body(model, await request.body())
    except InvalidBody as error:
        raise MakeApiError(HTTPStatus.BAD_REQUEST, str(error)) from error


def _query_int(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    try:
        return int(value)
    except ValueError as error:
        raise MakeApiError(
            HTTPStatus.BAD_REQUEST, f"Query parameter {name} must be an integer, not {value!r}."
        ) from error


def _found(thing: Thing | None, kind: str) -> Thing:
    if thing is None:
        raise MakeApiError(HTTPStatus.NOT_FOUND, f"{kind} not found.")
    return thing


def _scheduling(text: str) -> dict[str, Any]:
    try:
        scheduling = json.loads(text)
    except ValueError:
        scheduling = None
    if not isinstance(scheduling, dict):
        raise MakeApiError(
            HTTPStatus.BAD_REQUEST, 'scheduling must be a JSON object, e.g. {"type":"immediately"}'
        )
    return scheduling
