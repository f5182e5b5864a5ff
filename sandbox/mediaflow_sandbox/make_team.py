"""One Make team: its connections to platform accounts, its webhooks, and the scenarios that
join a webhook to a connection."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from mediaflow_sandbox.addresses import MAKE_HOOK_PREFIX
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.make_blueprint import InvalidBlueprint, Wiring, wiring
from mediaflow_sandbox.platforms import Rejection

FIRST_CONNECTION_ID = 1001
FIRST_HOOK_ID = 2001
FIRST_SCENARIO_ID = 3001

ConnectionState = Literal["unauthorized", "authorized", "expired", "revoked"]
STATE_PROBLEMS: dict[ConnectionState, str] = {
    "unauthorized": "was never authorized",
    "expired": "has an expired token: reauthorize it",
    "revoked": "lost its access, revoked on the platform: reauthorize it",
}


@dataclass
class Connection:
    id: int
    name: str
    connection_type: str
    scopes: list[str]
    state: ConnectionState = "unauthorized"

    @property
    def verified(self) -> bool:
        return self.state == "authorized"

    def rejection(self) -> Rejection | None:
        """Why a module on this connection fails, as the platform refuses its token."""
        if self.verified:
            return None
        return Rejection(
            f"connection_{self.state}",
            f"the {self.connection_type} connection {self.id} {STATE_PROBLEMS[self.state]}",
        )


@dataclass
class Hook:
    id: int
    name: str
    udid: str
    path: str
    queue: list[bytes] = field(default_factory=list)
    scenario_id: int | None = None


@dataclass
class Scenario:
    id: int
    name: str
    blueprint: dict[str, Any]
    wiring: Wiring
    hook: Hook
    connection: Connection
    scheduling: dict[str, Any]
    folder_id: int | None
    created: datetime
    is_active: bool = False

    @property
    def platform(self) -> str:
        return self.wiring.app.platform


class MakeTeam:
    def __init__(self, team_id: int, clock: SimulatedClock) -> None:
        self.team_id = team_id
        self._clock = clock
        self._connections: dict[int, Connection] = {}
        self._hooks: dict[int, Hook] = {}
        self._scenarios: dict[int, Scenario] = {}
        self._connection_ids = itertools.count(FIRST_CONNECTION_ID)
        self._hook_ids = itertools.count(FIRST_HOOK_ID)
        self._scenario_ids = itertools.count(FIRST_SCENARIO_ID)

    def create_connection(self, name: str, connection_type: str, scopes: list[str]) -> Connection:
        connection = Connection(next(self._connection_ids), name, connection_type, scopes)
        self._connections[connection.id] = connection
        return connection

    def connection(self, connection_id: int) -> Connection | None:
        return self._connections.get(connection_id)

    def delete_connection(self, connection_id: int) -> Connection | None:
        """The deleted connection, None if there was none; its scenarios can no longer run."""
        connection = self._connections.pop(connection_id, None)
        if connection is not None:
            connection.state = "revoked"
        return connection

    def create_hook(self, name: str) -> Hook:
        udid = secrets.token_hex(16)
        hook = Hook(next(self._hook_ids), name, udid, f"{MAKE_HOOK_PREFIX}/{udid}")
        self._hooks[hook.id] = hook
        return hook

    def hook(self, hook_id: int) -> Hook | None:
        return self._hooks.get(hook_id)

    def hook_at(self, udid: str) -> Hook | None:
        return next((hook for hook in self._hooks.values() if hook.udid == udid), None)

    def create_scenario(
        self,
        name: str,
        blueprint: dict[str, Any],
        scheduling: dict[str, Any],
        folder_id: int | None,
    ) -> Scenario:
        """A scenario, off, on the hook and connection its blueprint names; raises
        InvalidBlueprint when they do not exist, do not fit, or the hook is taken."""
        wired = wiring(blueprint)
        hook = self._hooks.get(wired.hook_id)
        connection = self._connections.get(wired.connection_id)
        problems = _wiring_problems(wired, hook, connection)
        if problems or hook is None or connection is None:
            raise InvalidBlueprint(problems)
        scenario = Scenario(
            id=next(self._scenario_ids),
            name=name,
            blueprint=blueprint,
            wiring=wired,
            hook=hook,
            connection=connection,
            scheduling=scheduling,
            folder_id=folder_id,
            created=self._clock.now(),
        )
        hook.scenario_id = scenario.id
        self._scenarios[scenario.id] = scenario
        return scenario

    def scenario(self, scenario_id: int) -> Scenario | None:
        return self._scenarios.get(scenario_id)

    def scenario_on(self, hook: Hook) -> Scenario | None:
        return None if hook.scenario_id is None else self._scenarios[hook.scenario_id]

    def start(self, scenario: Scenario) -> list[bytes]:
        """Switch the scenario on; returns the payloads its hook queued meanwhile, to run."""
        scenario.is_active = True
        queued, scenario.hook.queue = scenario.hook.queue, []
        return queued


def _wiring_problems(wired: Wiring, hook: Hook | None, connection: Connection | None) -> list[str]:
    problems = []
    if hook is None:
        problems.append(f"hook {wired.hook_id} does not exist")
    elif hook.scenario_id is not None:
        problems.append(f"hook {hook.id} is already used by scenario {hook.scenario_id}")
    if connection is None:
        problems.append(f"connection {wired.connection_id} does not exist")
    elif connection.connection_type != wired.app.connection_type:
        problems.append(
            f"connection {connection.id} is a {connection.connection_type} connection; "
            f"the blueprint's modules need a {wired.app.connection_type} one"
        )
    return problems
