"""One settings object for every process, read from `MEDIAFLOW_*` environment variables.

`backend` picks the stores: `embedded` keeps everything in files under `home` (SQLite ops store,
DuckDB warehouse); `postgres` puts the ops store and the warehouse in one PostgreSQL database.
The dbt target follows the same switch.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Backend = Literal["embedded", "postgres"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIAFLOW_", extra="ignore")

    backend: Backend = "embedded"
    home: Path = Path(".mediaflow")
    postgres_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/mediaflow"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The URL n8n and Make call back on; the API's address as the outside sees it.",
    )

    make_zone: str = "eu1"
    make_api_url: str = Field(
        default="https://{zone}.make.com/api/v2",
        description="Make API v2 base URL; `{zone}` is replaced by make_zone.",
    )
    make_authorize_url: str = Field(
        default="https://{zone}.make.com/oauth/connections/{connection_id}/authorize",
        description="Where an agent grants Make access to a platform account (OAuth).",
    )
    make_api_token: str = "make-api-token"
    make_team_id: int = 1
    make_api_rate_limit_per_minute: int = 60
    make_callback_timeout_minutes: int = 10
    circuit_failure_threshold: int = 5
    circuit_cooldown_seconds: int = 300

    n8n_webhook_base_url: str = "http://127.0.0.1:5678/webhook"
    n8n_callback_secret: str = "whsec_bjhuLWNhbGxiYWNrLXNlY3JldC1jaGFuZ2UtbWU="
    n8n_api_url: str = Field(
        default="http://127.0.0.1:5678/api/v1",
        description="n8n's public API: deploying the shipped workflows, retrying executions.",
    )
    n8n_api_key: str = ""
    n8n_callback_timeout_minutes: int = Field(
        default=30,
        description="How long a generation may go without its callback before it is stalled.",
    )
    n8n_max_generation_attempts: int = 3
    model_api_url: str = Field(
        default="https://api.openai.com/v1",
        description="The OpenAI-compatible endpoint the n8n workflows write and transcribe with.",
    )
    make_callback_secret: str = "whsec_bWFrZS1jYWxsYmFjay1zZWNyZXQtY2hhbmdlLW1l"

    microsoft_authority: str = "https://login.microsoftonline.com/mediaflow-tenant"
    microsoft_client_id: str = "mediaflow-client"
    microsoft_client_secret: str = "mediaflow-client-secret"
    microsoft_instance_discovery: bool = True
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of extra certificate authorities to trust (a corporate proxy's).",
    )
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    sharepoint_drive_id: str = "mediaflow-drive"
    sharepoint_link_type: Literal["view", "edit", "embed"] = "view"
    sharepoint_link_scope: Literal["anonymous", "organization", "users"] = "anonymous"
    sharepoint_conflict_behavior: Literal["replace", "rename", "fail"] = "replace"
    sharepoint_upload_chunk_bytes: int = Field(
        default=10 * 327680,
        gt=0,
        le=60 * 1024 * 1024,
        multiple_of=327680,
        description="Fragment size of upload sessions: Graph takes multiples of 320 KiB "
        "(327680 bytes), at most 60 MiB.",
    )
    sharepoint_simple_upload_max_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=0,
        description="Files up to this size go to Graph in one request; larger ones through an "
        "upload session.",
    )

    facebook_graph_url: str = "https://graph.facebook.com/v24.0"
    facebook_access_token: str = "facebook-page-token"
    instagram_graph_url: str = "https://graph.facebook.com/v24.0"
    instagram_access_token: str = "instagram-business-token"
    youtube_data_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_api_key: str = "youtube-api-key"
    youtube_analytics_url: str = "https://youtubeanalytics.googleapis.com/v2"
    youtube_oauth_token: str = Field(
        default="youtube-oauth-token",
        description="The channel owner's OAuth access token: YouTube Analytics reports need one.",
    )
    linkedin_api_url: str = "https://api.linkedin.com/rest"
    linkedin_access_token: str = "linkedin-access-token"
    linkedin_version: str = Field(
        default="202411", description="The LinkedIn-Version header (YYYYMM) the API is read at."
    )
    tiktok_api_url: str = "https://open.tiktokapis.com/v2"
    tiktok_access_token: str = "tiktok-access-token"
    x_api_url: str = "https://api.x.com/2"
    x_bearer_token: str = Field(
        default="x-user-token",
        description="An OAuth 2.0 user token of the account's owner: X serves non-public metrics "
        "only to it.",
    )
    insights_requests_in_flight: int = Field(
        default=32, ge=1, description="Insights requests open at once, over every platform."
    )
    insights_requests_in_flight_per_platform: int = Field(
        default=8, ge=1, description="Insights requests open at once to one platform."
    )

    unsplash_api_url: str = "https://api.unsplash.com"
    unsplash_access_key: str = "unsplash-access-key"
    pexels_api_url: str = "https://api.pexels.com/v1"
    pexels_api_key: str = "pexels-api-key"
    content_feed_urls: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="RSS or Atom feeds content ideas come from: URLs separated by commas or "
        "spaces, or a JSON list of them.",
    )

    model_api_key: str = Field(
        default="sk-mediaflow-sandbox",
        description="The bearer key of the OpenAI-compatible model API the n8n workflows call.",
    )

    http_timeout_seconds: float = 10.0
    http_max_attempts: int = 4

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8100
    sandbox_tls_port: int = 8101

    @field_validator("content_feed_urls", mode="before")
    @classmethod
    def _listed_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return re.findall(r"[^\s,\[\]\"']+", value)
        return value

    @property
    def ops_database_url(self) -> str:
        if self.backend == "postgres":
            return self.postgres_url
        return f"sqlite:///{(self.home / 'ops.sqlite').resolve()}"

    @property
    def warehouse_path(self) -> Path:
        return (self.home / "warehouse.duckdb").resolve()

    @property
    def dagster_home(self) -> Path:
        return (self.home / "dagster").resolve()

    @property
    def dbt_target(self) -> str:
        return "postgres" if self.backend == "postgres" else "duckdb"

    @property
    def make_api_base_url(self) -> str:
        return self.make_api_url.format(zone=self.make_zone)

    def callback_url(self, source: str) -> str:
        return f"{self.public_api_url.rstrip('/')}/callbacks/{source}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
