"""The sandbox's own settings (`MEDIAFLOW_SANDBOX_*`) and the credentials it hands out.

The sandbox plays every external service, so it decides their credentials: random ones, made
once per sandbox home and kept there (`credentials.json`, readable by its owner only), which the
processes aimed at it receive through `control.client_environment`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

CREDENTIALS_FILE = "credentials.json"


def _webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _token() -> str:
    return secrets.token_urlsafe(24)


def _fernet_key() -> str:
    """A Fernet key: url-safe base64 of 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _generated(name: str) -> str:
    if name.endswith(("_callback_secret", "_webhook_secret")):
        return _webhook_secret()
    if name.endswith("_encryption_keys") or name == "credentials_keys":
        return _fernet_key()
    if name.endswith("_account_sid"):
        return "AC" + secrets.token_hex(16)
    return _token()


class Credentials(BaseModel):
    """What the sandbox accepts from mediaflow and signs its callbacks with, named as mediaflow's
    settings name them (`MEDIAFLOW_<NAME>`)."""

    make_api_token: str
    make_callback_secret: str
    n8n_callback_secret: str
    n8n_api_key: str
    microsoft_client_secret: str
    facebook_access_token: str
    instagram_access_token: str
    youtube_api_key: str
    youtube_oauth_token: str
    linkedin_access_token: str
    tiktok_access_token: str
    x_bearer_token: str
    x_client_secret: str
    tiktok_client_secret: str
    linkedin_client_secret: str
    google_client_secret: str
    credentials_keys: str
    unsplash_access_key: str
    pexels_api_key: str
    model_api_key: str
    oauth_state_key: str
    webhook_signing_key: str
    recipes_webhook_secret: str
    crm_webhook_secret: str
    stock_webhook_secret: str
    accounting_webhook_secret: str
    contact_encryption_keys: str
    contact_pseudonym_key: str
    notification_link_key: str
    smtp_password: str
    sms_account_sid: str
    sms_auth_token: str
    meilisearch_api_key: str

    @classmethod
    def new(cls) -> Credentials:
        return cls(**{name: _generated(name) for name in cls.model_fields})

    @classmethod
    def completed(cls, kept: dict[str, str]) -> Credentials:
        """`kept` with a new value for each credential it predates."""
        return cls(**{name: kept.get(name) or _generated(name) for name in cls.model_fields})


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIAFLOW_SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8100
    tls_port: int = 8101
    home: Path = Path(".mediaflow/sandbox")
    callback_timeout_seconds: float = 10.0
    make_team_id: int = 1
    make_api_rate_limit_per_minute: int = 60
    microsoft_client_id: str = "mediaflow-client"
    x_client_id: str = "mediaflow-x-client"
    tiktok_client_key: str = "mediaflow-tiktok-client"
    linkedin_client_id: str = "mediaflow-linkedin-client"
    google_client_id: str = "mediaflow-google-client.apps.googleusercontent.com"
    api_audience: str = "api://mediaflow-api"
    sharepoint_drive_id: str = "mediaflow-drive"
    linkedin_version: str = "202411"

    def credentials(self) -> Credentials:
        """This sandbox's credentials, made on first use and kept under `home`."""
        path = self.home.resolve() / CREDENTIALS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            kept = json.loads(path.read_text())
            credentials = Credentials.completed(kept)
            if credentials.model_dump() != kept:
                path.write_text(json.dumps(credentials.model_dump()))
            return credentials
        credentials = Credentials.new()
        with os.fdopen(descriptor, "w") as file:
            json.dump(credentials.model_dump(), file)
        return credentials

    def environment(self) -> dict[str, str]:
        """These settings as the variables a sandbox process started elsewhere reads."""
        return {
            f"MEDIAFLOW_SANDBOX_{name.upper()}": str(value.resolve() if name == "home" else value)
            for name, value in self.model_dump().items()
        }
