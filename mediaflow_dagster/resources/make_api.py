"""Make API v2: connections an agent authorizes, webhooks, and one scenario per account made
from the platform's blueprint. OAuth tokens stay with Make; mediaflow keeps only ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

import httpx
from pydantic import Field

from mediaflow_dagster.blueprints import load_blueprint
from mediaflow_dagster.resources.http import (
    HttpResource,
    OutcomeUnknown,
    ServiceUnavailable,
    send,
    shared_client,
)

MAKE_APPS = {
    "facebook": "facebook",
    "instagram": "instagram-business",
    "youtube": "youtube",
    "x": "twitter",
    "tiktok": "tiktok",
    "linkedin": "linkedin",
    "wordpress": "wordpress",
}


class MakeRefused(RuntimeError):
    """Make answered with an error that retrying will not fix."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


MAKE_FAILURES = (MakeRefused, ServiceUnavailable, OutcomeUnknown)
"""What a call to Make's API raises when it did not do what was asked (or may not have)."""


@dataclass(frozen=True)
class Release:
    """What withdrawing an account from Make did: its scenario switched off, its connection
    (Make's OAuth tokens for the platform) deleted; `already gone` when Make no longer had it,
    `none` when the account never had one."""

    scenario: str
    connection: str


class MakeApi(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("make_api_token",)

    make_zone: str = "eu1"
    make_api_url: str = Field(
        default="https://{zone}.make.com/api/v2",
        description="Make API v2 base URL; `{zone}` is replaced by make_zone.",
    )
    make_authorize_url: str = Field(
        default="https://{zone}.make.com/oauth/connections/{connection_id}/authorize",
        description="Where an agent grants Make access to a platform account (OAuth).",
    )
    make_api_token: str = Field(description="A Make API token of the team (secret).")
    make_team_id: int = 1

    @property
    def base_url(self) -> str:
        return self.make_api_url.format(zone=self.make_zone)

    def check(self) -> None:
        """Raises unless Make's API answers for the team with the token (`GET /teams/{id}`)."""
        self._call("GET", f"/teams/{self.make_team_id}", idempotent=True)

    def create_connection(self, platform: str, name: str) -> str:
        body = {"accountName": name, "accountType": MAKE_APPS[platform]}
        answer = self._call("POST", "/connections", params={"teamId": self.make_team_id}, json=body)
        return str(answer["connection"]["id"])

    def authorization_url(self, connection_id: str, redirect_uri: str) -> str:
        url = self.make_authorize_url.format(zone=self.make_zone, connection_id=connection_id)
        return str(httpx.URL(url, params={"redirect_uri": redirect_uri}))

    def connection_verified(self, connection_id: str) -> bool:
        answer = self._call("POST", f"/connections/{connection_id}/test", idempotent=True)
        return bool(answer.get("verified"))

    def create_hook(self, name: str) -> tuple[str, str]:
        """A webhook for one account's scenario: its id and the URL mediaflow publishes to."""
        body = {
            "name": name,
            "teamId": self.make_team_id,
            "typeName": "gateway-webhook",
            "method": False,
            "header": False,
            "stringify": False,
        }
        hook = self._call("POST", "/hooks", json=body)["hook"]
        return str(hook["id"]), hook["url"]

    def create_scenario(self, platform: str, hook_id: str, connection_id: str) -> str:
        """The platform's blueprint, wired to this account's hook and connection, switched on."""
        blueprint = load_blueprint(platform, hook_id=int(hook_id), connection_id=int(connection_id))
        body = {
            "blueprint": json.dumps(blueprint),
            "teamId": self.make_team_id,
            "scheduling": json.dumps({"type": "immediately"}),
        }
        scenario = self._call("POST", "/scenarios", params={"confirmed": "true"}, json=body)
        scenario_id = str(scenario["scenario"]["id"])
        self._call("POST", f"/scenarios/{scenario_id}/start")
        return scenario_id

    def release(self, scenario_id: str | None, connection_id: str | None) -> Release:
        """Switch the account's scenario off and delete its connection, idempotently: what Make
        no longer has counts as done. A failure raises (`MakeRefused`, `ServiceUnavailable`),
        leaving the rest for the next attempt."""
        scenario = "none"
        if scenario_id:
            scenario = self._done_or_gone("switched off", "POST", f"/scenarios/{scenario_id}/stop")
        connection = "none"
        if connection_id:
            connection = self._done_or_gone("deleted", "DELETE", f"/connections/{connection_id}")
        return Release(scenario=scenario, connection=connection)

    def _done_or_gone(self, done: str, method: str, path: str) -> str:
        try:
            self._call(method, path, idempotent=True)
        except MakeRefused as refused:
            if refused.status == HTTPStatus.NOT_FOUND:
                return "already gone"
            raise
        return done

    def _call(
        self, method: str, path: str, *, idempotent: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        url = f"{self.base_url.rstrip('/')}{path}"
        headers = {"Authorization": f"Token {self.make_api_token}"}
        response = send(
            shared_client(self.http_timeout_seconds),
            lambda c: c.request(method, url, headers=headers, **kwargs),
            max_attempts=self.http_max_attempts,
            idempotent=idempotent,
        )
        if response.is_error:
            raise MakeRefused(
                f"Make API {method} {path}: HTTP {response.status_code} {response.text}",
                response.status_code,
            )
        return response.json()
