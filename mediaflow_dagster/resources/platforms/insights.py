"""The insights collectors of every supported platform behind one Dagster resource, run
concurrently, each account read with its own credential: an account (or a platform) that fails
loses only its own part of the hour."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

import httpx
from pydantic import Field

from mediaflow_dagster.cms.credentials import ReadCredential
from mediaflow_dagster.resources.http import HttpResource, ServiceUnavailable
from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.credentials import (
    Refreshed,
    TokenEndpoint,
    expired,
    missing_scope,
    needs_refresh,
    refresh,
)
from mediaflow_dagster.resources.platforms.facebook import FacebookInsights
from mediaflow_dagster.resources.platforms.instagram import InstagramInsights
from mediaflow_dagster.resources.platforms.linkedin import LinkedInInsights
from mediaflow_dagster.resources.platforms.readings import (
    Collected,
    CredentialRefused,
    PlatformRefused,
    PublishedPost,
)
from mediaflow_dagster.resources.platforms.tiktok import TikTokInsights
from mediaflow_dagster.resources.platforms.x import XInsights
from mediaflow_dagster.resources.platforms.youtube import YouTubeInsights


@dataclass(frozen=True)
class AccountFailure:
    """One account's part of the hour that did not land, and why; `reconnect` when only a new
    credential mends it (the account is then marked for reconnection)."""

    social_account_id: int | None
    external_account_id: str
    reason: str
    reconnect: bool


@dataclass
class PlatformOutcome:
    platform: str
    api_version: str
    posts: int
    collected: Collected | None
    error: str | None
    requests: int
    pauses: int
    seconds: float
    account_failures: list[AccountFailure] = field(default_factory=list)
    refreshed: dict[int, Refreshed] = field(default_factory=dict)


Credentials = dict[tuple[str, str], ReadCredential]
INSIGHTS_PLATFORMS = ("facebook", "instagram", "youtube", "linkedin", "tiktok", "x")
"""The platforms whose insights are read (each has a collector below)."""


class PlatformInsights(HttpResource):
    """Each account is read with its own credential (`account_credentials` in the ops store,
    decrypted with `credentials_keys`); the app-level settings here are the API addresses, the
    YouTube Data API key and the OAuth clients that refresh tokens."""

    secrets: ClassVar[tuple[str, ...]] = (
        "credentials_keys",
        "youtube_api_key",
        "x_client_secret",
        "tiktok_client_secret",
        "linkedin_client_secret",
        "google_client_secret",
    )

    credentials_keys: str = Field(
        description="Fernet keys, comma-separated, that the accounts' stored tokens are "
        "encrypted with: the first encrypts, every one decrypts (rotation)."
    )
    facebook_graph_url: str = "https://graph.facebook.com/v24.0"
    instagram_graph_url: str = "https://graph.facebook.com/v24.0"
    youtube_data_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_api_key: str
    youtube_analytics_url: str = "https://youtubeanalytics.googleapis.com/v2"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_client_id: str
    google_client_secret: str
    linkedin_api_url: str = "https://api.linkedin.com/rest"
    linkedin_version: str = Field(
        default="202411", description="The LinkedIn-Version header (YYYYMM) the API is read at."
    )
    linkedin_token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"
    linkedin_client_id: str
    linkedin_client_secret: str
    tiktok_api_url: str = "https://open.tiktokapis.com/v2"
    tiktok_token_url: str = "https://open.tiktokapis.com/v2/oauth/token/"
    tiktok_client_key: str
    tiktok_client_secret: str
    x_api_url: str = "https://api.x.com/2"
    x_token_url: str = "https://api.x.com/2/oauth2/token"
    x_client_id: str
    x_client_secret: str
    insights_requests_in_flight: int = Field(
        default=32, ge=1, description="Insights requests open at once, over every platform."
    )
    insights_requests_in_flight_per_platform: int = Field(
        default=8, ge=1, description="Insights requests open at once to one platform."
    )

    def collector(self, platform: str, token: str) -> InsightsCollector | None:
        """`platform`'s collector reading with one account's `token`; None for a platform
        without one."""
        match platform:
            case "facebook":
                return FacebookInsights(self.facebook_graph_url, token)
            case "instagram":
                return InstagramInsights(self.instagram_graph_url, token)
            case "youtube":
                return YouTubeInsights(
                    self.youtube_data_url, self.youtube_api_key, self.youtube_analytics_url, token
                )
            case "linkedin":
                return LinkedInInsights(self.linkedin_api_url, token, self.linkedin_version)
            case "tiktok":
                return TikTokInsights(self.tiktok_api_url, token)
            case "x":
                return XInsights(self.x_api_url, token)
        return None

    def token_endpoint(self, platform: str) -> TokenEndpoint | None:
        """Where `platform` refreshes tokens; None where it does not (Meta's page tokens)."""
        return {
            "x": TokenEndpoint(self.x_token_url, self.x_client_id, self.x_client_secret),
            "tiktok": TokenEndpoint(
                self.tiktok_token_url,
                self.tiktok_client_key,
                self.tiktok_client_secret,
                client_id_field="client_key",
            ),
            "linkedin": TokenEndpoint(
                self.linkedin_token_url, self.linkedin_client_id, self.linkedin_client_secret
            ),
            "youtube": TokenEndpoint(
                self.google_token_url, self.google_client_id, self.google_client_secret
            ),
        }.get(platform)

    def collect(
        self,
        posts_by_platform: dict[str, list[PublishedPost]],
        hour_end: datetime,
        credentials: Credentials,
        on_platform_done: Callable[[PlatformOutcome], None] = lambda outcome: None,
    ) -> list[PlatformOutcome]:
        """Every platform's posts, read concurrently, each account's with its own credential
        (refreshed first when it is about to expire); one outcome per platform with posts, each
        also handed to `on_platform_done` as soon as its platform is done (progress)."""
        return asyncio.run(
            self._collect(posts_by_platform, hour_end, credentials, on_platform_done)
        )

    async def _collect(
        self,
        posts_by_platform: dict[str, list[PublishedPost]],
        hour_end: datetime,
        credentials: Credentials,
        on_platform_done: Callable[[PlatformOutcome], None],
    ) -> list[PlatformOutcome]:
        shared = asyncio.Semaphore(self.insights_requests_in_flight)
        limits = httpx.Limits(max_connections=self.insights_requests_in_flight)
        async with httpx.AsyncClient(timeout=self.http_timeout_seconds, limits=limits) as client:
            return list(
                await asyncio.gather(
                    *(
                        self._collect_platform(
                            platform, client, shared, posts, hour_end, credentials, on_platform_done
                        )
                        for platform, posts in sorted(posts_by_platform.items())
                        if self.collector(platform, "") is not None and posts
                    )
                )
            )

    async def _collect_platform(
        self,
        platform: str,
        client: httpx.AsyncClient,
        shared: asyncio.Semaphore,
        posts: list[PublishedPost],
        hour_end: datetime,
        credentials: Credentials,
        on_platform_done: Callable[[PlatformOutcome], None],
    ) -> PlatformOutcome:
        """The platform's accounts read concurrently through one client (its limits and
        pauses hold for every account), each account's posts batched under its own token."""
        probe = self.collector(platform, "")
        platform_client = PlatformClient(
            client,
            platform=platform,
            in_flight=self.insights_requests_in_flight_per_platform,
            shared=shared,
            max_attempts=self.http_max_attempts,
            pause_for=probe.pause_for,
        )
        by_account: dict[str, list[PublishedPost]] = defaultdict(list)
        for post in posts:
            by_account[post.external_account_id].append(post)
        started = time.monotonic()
        outcome = PlatformOutcome(
            platform=platform,
            api_version=probe.api_version,
            posts=len(posts),
            collected=Collected(),
            error=None,
            requests=0,
            pauses=0,
            seconds=0.0,
        )
        await asyncio.gather(
            *(
                self._collect_account(
                    platform_client,
                    credentials.get((platform, account)),
                    account,
                    account_posts,
                    hour_end,
                    outcome,
                )
                for account, account_posts in sorted(by_account.items())
            )
        )
        if outcome.account_failures:
            outcome.error = "; ".join(
                f"account {failure.external_account_id}: {failure.reason}"
                for failure in outcome.account_failures
            )
        outcome.requests = platform_client.requests
        outcome.pauses = platform_client.pauses
        outcome.seconds = time.monotonic() - started
        on_platform_done(outcome)
        return outcome

    async def _collect_account(
        self,
        platform_client: PlatformClient,
        credential: ReadCredential | None,
        external_account_id: str,
        posts: list[PublishedPost],
        hour_end: datetime,
        into: PlatformOutcome,
    ) -> None:
        def failed(reason: str, reconnect: bool) -> None:
            account_id = credential.social_account_id if credential else None
            into.account_failures.append(
                AccountFailure(account_id, external_account_id, reason, reconnect)
            )

        if credential is None:
            failed("no read credential: enter one for the account", reconnect=False)
            return
        if reason := missing_scope(credential):
            failed(reason, reconnect=True)
            return
        token = credential.access_token
        now = datetime.now(UTC).replace(tzinfo=None)
        try:
            endpoint = self.token_endpoint(credential.platform)
            if needs_refresh(credential, now) and endpoint and credential.refresh_token:
                refreshed = await refresh(platform_client.http, endpoint, credential)
                into.refreshed[credential.social_account_id] = refreshed
                token = refreshed.access_token
            elif expired(credential, now):
                raise CredentialRefused(
                    f"the credential expired at {credential.expires_at:%Y-%m-%d %H:%M} UTC"
                )
            collected = await self.collector(credential.platform, token).collect(
                platform_client, posts, hour_end
            )
        except CredentialRefused as refusal:
            failed(f"{refusal}: reconnect the account", reconnect=True)
            return
        except (PlatformRefused, ServiceUnavailable) as failure:
            failed(str(failure), reconnect=False)
            return
        into.collected.add(collected)
