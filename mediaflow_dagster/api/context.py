"""What the routes of one API share: its settings, its store, the clients and keys it uses."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

import jwt
from fastapi import Request
from sqlalchemy import Engine

from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.communication.links import LinkSigner
from mediaflow_dagster.communication.vault import Vault
from mediaflow_dagster.resources.make import hook_refusal
from mediaflow_dagster.resources.make_api import MakeApi
from mediaflow_dagster.resources.personal_data import PersonalData
from mediaflow_dagster.resources.search import SearchIndex
from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_dagster.resources.webhooks import OutboundWebhooks
from mediaflow_dagster.settings import ApiSettings, Settings

STATE_AUDIENCE = "mediaflow:oauth-landing"


@dataclass
class ApiContext:
    settings: Settings
    api_settings: ApiSettings
    engine: Engine
    make_api: MakeApi
    outbound_webhooks: OutboundWebhooks
    personal_data: PersonalData
    sms_provider: SmsProvider

    @cached_property
    def vault(self) -> Vault:
        return self.personal_data.vault()

    @cached_property
    def links(self) -> LinkSigner:
        return self.personal_data.links()

    search: SearchIndex

    def landing_state(self, account_id: int) -> tuple[str, str]:
        """A signed state for the account's OAuth landing, valid a few minutes, and its id (the
        account waits for that id alone: the state is good once)."""
        state_id = secrets.token_urlsafe(16)
        expires = datetime.now(UTC) + timedelta(minutes=self.api_settings.oauth_state_minutes)
        claims = {"sub": str(account_id), "jti": state_id, "aud": STATE_AUDIENCE, "exp": expires}
        key = self.api_settings.oauth_state_key.get_secret_value()
        return jwt.encode(claims, key, algorithm="HS256"), state_id

    def landing_state_id(self, state: str, account_id: int) -> str | None:
        """The id of `state` when it is a state this API signed for the account, unexpired."""
        key = self.api_settings.oauth_state_key.get_secret_value()
        try:
            claims = jwt.decode(
                state,
                key,
                algorithms=["HS256"],
                audience=STATE_AUDIENCE,
                options={"require": ["sub", "jti", "exp"]},
            )
        except jwt.PyJWTError:
            return None
        return claims["jti"] if claims["sub"] == str(account_id) else None

    @cached_property
    def cipher(self) -> CredentialCipher:
        """Encrypts the accounts' platform tokens (`MEDIAFLOW_CREDENTIALS_KEYS`)."""
        return CredentialCipher(self.api_settings.credentials_keys)

    def hook_refusal(self, url: str) -> str | None:
        """Why mediaflow must not post to the webhook `url` (`resources/make.py`)."""
        return hook_refusal(url, self.api_settings.make_hook_origins)


def context(request: Request) -> ApiContext:
    return request.app.state.context
