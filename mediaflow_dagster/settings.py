"""The settings of every mediaflow process, read from `MEDIAFLOW_*` environment variables.

`Settings` picks the stores and the process's own knobs: `backend` `embedded` keeps everything in
files under `home` (SQLite ops store, DuckDB warehouse); `postgres` puts the ops store and the
warehouse in the PostgreSQL database of `MEDIAFLOW_POSTGRES_URL`. The dbt target follows the same
switch (the `Warehouse` resource). Each external service's address and credentials belong to the
resource that talks to it (`resources/configuration.py`), not to this module.

Secrets are `SecretStr` without a default: a process that needs one and does not find it stops at
once and names the variable, rather than starting with a published default.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mediaflow_dagster.cms.database import ops_database_url

Backend = Literal["embedded", "postgres"]
ENVIRONMENT_PREFIX = "MEDIAFLOW_"


def variable_name(field: str) -> str:
    """The environment variable a setting or resource field `field` is read from."""
    return f"{ENVIRONMENT_PREFIX}{field.upper()}"


class MissingSetting(RuntimeError):
    """A required setting (a secret, most often) is not in the environment."""

    def __init__(self, variables: list[str]) -> None:
        self.variables = variables
        super().__init__(
            f"{', '.join(variables)} {'is' if len(variables) == 1 else 'are'} not set: "
            "mediaflow has no default for secrets and account identifiers: set them in the "
            "environment of every mediaflow process"
        )


class MediaflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENVIRONMENT_PREFIX, extra="ignore")

    @classmethod
    def load(cls) -> Self:
        """The settings from the process's environment; a missing required one raises
        `MissingSetting` naming its variable."""
        try:
            return cls()
        except ValidationError as error:
            missing = [
                variable_name(str(problem["loc"][0]))
                for problem in error.errors()
                if problem["type"] == "missing"
            ]
            if missing and len(missing) == error.error_count():
                raise MissingSetting(missing) from error
            raise


class Settings(MediaflowSettings):
    backend: Backend = "embedded"
    home: Path = Path(".mediaflow")
    postgres_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the PostgreSQL database (needed when backend is postgres).",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(
        default=1,
        ge=1,
        description="Processes of `mediaflow api` sharing its port. More than one helps on "
        "PostgreSQL when one process's CPU bounds the callback intake; SQLite takes one writer "
        "at a time, so its intake gains little.",
    )
    public_api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The URL n8n and Make call back on; the API's address as the outside sees it.",
    )

    executor: Literal["in_process", "celery"] = Field(
        default="in_process",
        description="Where the steps of the jobs that fan out (the insights collection, one "
        "step per platform) run: in the run's process, or on the Celery workers (`celery`, "
        "production on PostgreSQL only; `executors.py`).",
    )
    celery_broker_url: SecretStr | None = Field(
        default=None,
        description="The Celery broker (RabbitMQ, `pyamqp://user:password@host//`); needed "
        "when the executor is `celery`.",
    )
    celery_queue: str = Field(
        default="dagster",
        description="The Celery queue the steps are sent to and the workers listen on.",
    )

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object a line, secrets and addresses left out (`logs.py`).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    make_callback_timeout_minutes: int = 10
    circuit_failure_threshold: int = 5
    circuit_cooldown_seconds: int = 300
    n8n_callback_timeout_minutes: int = Field(
        default=30,
        description="How long a generation may go without its callback before it is stalled.",
    )
    n8n_max_generation_attempts: int = 3
    dagster_ui_url: str = Field(
        default="http://127.0.0.1:3000",
        description="The Dagster UI as its users reach it: failed-run emails link to it.",
    )
    operations_email: str | None = Field(
        default=None,
        description="Where a failed run is reported by email when it is about no campaign, or "
        "about one without an owner; unset: such failures are only sent to the webhooks.",
    )

    @model_validator(mode="after")
    def _postgres_has_a_database(self) -> Settings:
        if self.backend == "postgres" and self.postgres_url is None:
            raise MissingSetting([variable_name("postgres_url")])
        return self

    @model_validator(mode="after")
    def _celery_runs_on_a_shared_deployment(self) -> Settings:
        """The workers run on other machines: they reach PostgreSQL, not the embedded files."""
        if self.executor == "celery":
            if self.backend != "postgres":
                raise ValueError("the celery executor needs the postgres backend")
            if self.celery_broker_url is None:
                raise MissingSetting([variable_name("celery_broker_url")])
        return self

    @property
    def ops_sqlite_path(self) -> Path:
        return (self.home / "ops.sqlite").resolve()

    @property
    def ops_database_url(self) -> str:
        """The ops store's SQLAlchemy URL; it can carry a password: never log it."""
        postgres_url = self.postgres_url.get_secret_value() if self.postgres_url else None
        return ops_database_url(self.backend, self.ops_sqlite_path, postgres_url)

    @property
    def warehouse_path(self) -> Path:
        return (self.home / "warehouse.duckdb").resolve()

    @property
    def dagster_home(self) -> Path:
        return (self.home / "dagster").resolve()

    def callback_url(self, source: str) -> str:
        return f"{self.public_api_url.rstrip('/')}/callbacks/{source}"


def listed_values(raw: object) -> object:
    """A list setting's variable: a JSON list, or values separated by commas or spaces."""
    if not isinstance(raw, str):
        return raw
    if raw.lstrip().startswith("["):
        return json.loads(raw)
    return re.findall(r"[^\s,]+", raw)


Listed = Annotated[list[str], NoDecode, BeforeValidator(listed_values)]
MAKE_HOOK_ORIGINS = [
    "https://hook.eu1.make.com",
    "https://hook.eu2.make.com",
    "https://hook.us1.make.com",
    "https://hook.us2.make.com",
]


class CredentialKeys(MediaflowSettings):
    """The Fernet keys the accounts' platform tokens are encrypted with in the ops store."""

    credentials_keys: SecretStr = Field(
        description="Fernet keys, comma-separated: the first encrypts, every one decrypts "
        "(`mediaflow credentials new-key`, then `mediaflow credentials rotate`)."
    )


class ApiSettings(CredentialKeys):
    """How the CMS API lets people and machines in, and what it takes from them (and the keys it
    encrypts the accounts' tokens with)."""

    oauth_state_key: SecretStr = Field(
        description="Signs the `state` of an onboarding's OAuth landing (HMAC-SHA256)."
    )
    oauth_state_minutes: int = Field(default=10, gt=0, le=60)
    cors_origins: Listed = Field(
        default=[],
        description="Browser origins allowed to call the API; none: no cross-origin call at all.",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer of the sign-in tokens accepted (Entra ID: "
        "https://login.microsoftonline.com/<tenant>/v2.0); unset: API keys only.",
    )
    oidc_audience: str | None = Field(
        default=None, description="The API's application ID URI or client id, as tokens name it."
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        description="Where the issuer publishes its signing keys (Entra ID: "
        "https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys).",
    )
    oidc_keys_cooldown_seconds: float = Field(
        default=30,
        ge=0,
        description="A token naming a key not seen yet fetches the keys again, at most this often "
        "(so unknown key ids cannot make the API hammer the issuer).",
    )
    ca_bundle: Path | None = Field(
        default=None, description="CA certificates trusted when fetching the signing keys."
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests per key or signed-in person (`limits` notation: 600/minute).",
    )
    module_event_rate_limit: str = Field(
        default="3000/second",
        description="Events each module (recipes, CRM, stock, accounting) may send to "
        "/api/communication/webhook, per API process (`limits` notation).",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the counts live (`limits` storage URI; redis:// for several API "
        "processes).",
    )
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    body_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request's body may take to arrive."
    )
    make_hook_origins: Listed = Field(
        default=MAKE_HOOK_ORIGINS,
        description="The only origins (scheme://host[:port]) of a Make webhook URL mediaflow "
        "posts to.",
    )
    api_key_max_days: int = Field(default=365, gt=0)

    @model_validator(mode="after")
    def _oidc_is_whole(self) -> ApiSettings:
        oidc = {
            "oidc_issuer": self.oidc_issuer,
            "oidc_audience": self.oidc_audience,
            "oidc_jwks_url": self.oidc_jwks_url,
        }
        if any(oidc.values()) and not all(oidc.values()):
            raise MissingSetting([variable_name(name) for name, value in oidc.items() if not value])
        return self


class CallbackSecrets(MediaflowSettings):
    """What the API verifies the signed callbacks of n8n and Make, and the other modules'
    events, with (Standard Webhooks secrets, `whsec_…`, one per sender)."""

    n8n_callback_secret: SecretStr
    make_callback_secret: SecretStr
    recipes_webhook_secret: SecretStr
    crm_webhook_secret: SecretStr
    stock_webhook_secret: SecretStr
    accounting_webhook_secret: SecretStr

    def verifying(self) -> dict[str, SecretStr]:
        """Each sender's secret, by the sender's name (n8n, make, recipes, crm, …)."""
        return {
            name.removesuffix("_callback_secret").removesuffix("_webhook_secret"): secret
            for name, secret in self
        }


class SupersetSettings(MediaflowSettings):
    """Apache Superset, the BI tool over the marts (`mediaflow bi`): where it listens, its admin
    and its own secrets, and how it reaches the marts."""

    superset_url: str = Field(
        default="http://127.0.0.1:8088",
        description="Superset's address; `mediaflow bi` listens on its host and port, and the "
        "dbt exposures link the dashboards under it.",
    )
    superset_admin_username: str = "admin"
    superset_admin_password: SecretStr
    superset_secret_key: SecretStr = Field(
        description="Signs Superset's sessions and encrypts the database passwords it keeps."
    )
    superset_home: Path = Field(
        default=Path(".mediaflow/superset"),
        description="Superset's folder: its metadata (SQLite `superset.db` unless "
        "MEDIAFLOW_SUPERSET_METADATA_URL says otherwise) and the dashboards' bundle.",
    )
    superset_metadata_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL of Superset's own metadata database."
    )
    superset_venv: Path = Field(
        default=Path(".venv-superset"),
        description="Superset's own virtual environment (`python3.11 dev.py bi` makes it).",
    )
    bi_postgres_url: SecretStr | None = Field(
        default=None,
        description="On PostgreSQL, the URL Superset reads the marts with: a login holding the "
        "role mediaflow_bi_reader (needed when the backend is postgres).",
    )


def load_together(*kinds: type[MediaflowSettings]) -> list[MediaflowSettings]:
    """Each kind of settings from the environment; `MissingSetting` names every variable all of
    them lack at once, not only the first kind's."""
    loaded, missing = [], []
    for kind in kinds:
        try:
            loaded.append(kind.load())
        except MissingSetting as lacking:
            missing.extend(lacking.variables)
    if missing:
        raise MissingSetting(missing)
    return loaded


@lru_cache
def get_settings() -> Settings:
    return Settings.load()
