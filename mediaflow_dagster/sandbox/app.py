"""The one Starlette application that plays every external service."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from mediaflow_dagster.sandbox.addresses import (
    FACEBOOK_PREFIX,
    INSTAGRAM_PREFIX,
    http_base_url,
)
from mediaflow_dagster.sandbox.background import BackgroundWork
from mediaflow_dagster.sandbox.callbacks import SignedCallbacks
from mediaflow_dagster.sandbox.clock import SimulatedClock, SimulatedDateMiddleware
from mediaflow_dagster.sandbox.control_api import SandboxControlApi
from mediaflow_dagster.sandbox.faults import FaultInjectionMiddleware, Faults
from mediaflow_dagster.sandbox.feeds import ContentFeeds
from mediaflow_dagster.sandbox.graph import Drive, GraphApi, SharedFiles
from mediaflow_dagster.sandbox.linkedin import LinkedInShareStatistics
from mediaflow_dagster.sandbox.login import AccessTokens, MicrosoftIdentity
from mediaflow_dagster.sandbox.make import MakeScenarios
from mediaflow_dagster.sandbox.make_api import MakeApi
from mediaflow_dagster.sandbox.make_data_store import PublicationRecords
from mediaflow_dagster.sandbox.make_oauth import MakeOAuth
from mediaflow_dagster.sandbox.make_team import MakeTeam
from mediaflow_dagster.sandbox.meta import FacebookGraphApi, InstagramGraphApi
from mediaflow_dagster.sandbox.models import OpenAiModels
from mediaflow_dagster.sandbox.n8n import N8nWorkflows
from mediaflow_dagster.sandbox.platforms import PlatformStore
from mediaflow_dagster.sandbox.rate_limit import RollingWindowLimit
from mediaflow_dagster.sandbox.stock_photos import PexelsApi, UnsplashApi
from mediaflow_dagster.sandbox.tiktok import TikTokDisplayApi
from mediaflow_dagster.sandbox.x import XApi
from mediaflow_dagster.sandbox.youtube import YouTubeDataApi
from mediaflow_dagster.sandbox.youtube_analytics import YouTubeAnalyticsApi
from mediaflow_dagster.settings import Settings

DEFAULT_MAKE_API_RATE_LIMIT_PER_MINUTE = 60


def create_app(settings: Settings) -> Starlette:
    clock = SimulatedClock()
    faults = Faults()
    work = BackgroundWork()
    tokens = AccessTokens()
    platforms = PlatformStore(clock)
    drive = Drive(settings.sharepoint_drive_id, http_base_url(settings), clock)
    timeout = settings.http_timeout_seconds
    team = MakeTeam(settings.make_team_id, clock)
    make = MakeScenarios(
        team,
        platforms,
        PublicationRecords(),
        SignedCallbacks(settings.make_callback_secret, timeout),
        faults,
        work,
        timeout,
    )
    make_api_calls_per_minute = getattr(
        settings, "make_api_rate_limit_per_minute", DEFAULT_MAKE_API_RATE_LIMIT_PER_MINUTE
    )
    services = [
        SandboxControlApi(clock, faults, platforms, team),
        GraphApi(drive, tokens, clock),
        SharedFiles(drive),
        N8nWorkflows(drive, SignedCallbacks(settings.n8n_callback_secret, timeout), faults, work),
        make,
        MakeApi(
            team,
            make,
            settings.make_api_token,
            RollingWindowLimit(make_api_calls_per_minute, window_seconds=60),
            http_base_url(settings),
        ),
        MakeOAuth(team),
        FacebookGraphApi(FACEBOOK_PREFIX, settings.facebook_access_token, platforms, clock),
        InstagramGraphApi(INSTAGRAM_PREFIX, settings.instagram_access_token, platforms, clock),
        YouTubeDataApi(settings.youtube_api_key, platforms, clock),
        LinkedInShareStatistics(
            settings.linkedin_access_token, settings.linkedin_version, platforms, clock
        ),
        TikTokDisplayApi(settings.tiktok_access_token, platforms, clock),
        YouTubeAnalyticsApi(settings.youtube_oauth_token, platforms, clock),
        XApi(settings.x_bearer_token, platforms, clock),
        MicrosoftIdentity(settings, tokens, clock),
        UnsplashApi(settings.unsplash_access_key, clock, http_base_url(settings)),
        PexelsApi(settings.pexels_api_key, http_base_url(settings)),
        ContentFeeds(http_base_url(settings)),
        OpenAiModels(settings.model_api_key, clock),
    ]
    return Starlette(
        routes=[route for service in services for route in service.routes()],
        middleware=[
            Middleware(SimulatedDateMiddleware, clock=clock),
            Middleware(FaultInjectionMiddleware, faults=faults),
        ],
    )
