"""The one Starlette application that plays every external service."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from mediaflow_sandbox.account_tokens import AccountTokens
from mediaflow_sandbox.addresses import (
    FACEBOOK_PREFIX,
    INSTAGRAM_PREFIX,
    http_base_url,
)
from mediaflow_sandbox.background import BackgroundWork
from mediaflow_sandbox.callbacks import SignedCallbacks
from mediaflow_sandbox.clock import SimulatedClock, SimulatedDateMiddleware
from mediaflow_sandbox.control_api import SandboxControlApi
from mediaflow_sandbox.faults import FaultInjectionMiddleware, Faults
from mediaflow_sandbox.feeds import ContentFeeds
from mediaflow_sandbox.graph import Drive, GraphApi, SharedFiles
from mediaflow_sandbox.linkedin import LinkedInShareStatistics
from mediaflow_sandbox.login import AccessTokens, MicrosoftIdentity
from mediaflow_sandbox.make import MakeScenarios
from mediaflow_sandbox.make_api import MakeApi
from mediaflow_sandbox.make_data_store import PublicationRecords
from mediaflow_sandbox.make_oauth import MakeOAuth
from mediaflow_sandbox.make_team import MakeTeam
from mediaflow_sandbox.meilisearch import MeilisearchServer
from mediaflow_sandbox.meta import FacebookGraphApi, InstagramGraphApi
from mediaflow_sandbox.models import OpenAiModels
from mediaflow_sandbox.n8n import N8nWorkflows
from mediaflow_sandbox.platforms import PlatformStore
from mediaflow_sandbox.rate_limit import RollingWindowLimit
from mediaflow_sandbox.settings import SandboxSettings
from mediaflow_sandbox.sms import SmsProvider
from mediaflow_sandbox.stock_photos import PexelsApi, UnsplashApi
from mediaflow_sandbox.tiktok import TikTokDisplayApi
from mediaflow_sandbox.x import XApi
from mediaflow_sandbox.youtube import YouTubeDataApi
from mediaflow_sandbox.youtube_analytics import YouTubeAnalyticsApi


def create_app(settings: SandboxSettings) -> Starlette:
    credentials = settings.credentials()
    clock = SimulatedClock()
    faults = Faults()
    work = BackgroundWork()
    tokens = AccessTokens()
    platforms = PlatformStore(clock)
    account_tokens = AccountTokens(
        clock,
        platform_tokens={
            "facebook": credentials.facebook_access_token,
            "instagram": credentials.instagram_access_token,
            "youtube": credentials.youtube_oauth_token,
            "linkedin": credentials.linkedin_access_token,
            "tiktok": credentials.tiktok_access_token,
            "x": credentials.x_bearer_token,
        },
        clients={
            "x": (settings.x_client_id, credentials.x_client_secret),
            "tiktok": (settings.tiktok_client_key, credentials.tiktok_client_secret),
            "linkedin": (settings.linkedin_client_id, credentials.linkedin_client_secret),
            "youtube": (settings.google_client_id, credentials.google_client_secret),
        },
    )
    drive = Drive(settings.sharepoint_drive_id, http_base_url(settings), clock)
    timeout = settings.callback_timeout_seconds
    team = MakeTeam(settings.make_team_id, clock)
    make = MakeScenarios(
        team,
        platforms,
        PublicationRecords(),
        SignedCallbacks(credentials.make_callback_secret, timeout),
        faults,
        work,
        timeout,
    )
    services = [
        SandboxControlApi(clock, faults, platforms, team),
        GraphApi(drive, tokens, clock),
        SharedFiles(drive),
        N8nWorkflows(
            drive, SignedCallbacks(credentials.n8n_callback_secret, timeout), faults, work
        ),
        make,
        MakeApi(
            team,
            make,
            credentials.make_api_token,
            RollingWindowLimit(settings.make_api_rate_limit_per_minute, window_seconds=60),
            http_base_url(settings),
        ),
        MakeOAuth(team),
        account_tokens,
        FacebookGraphApi(FACEBOOK_PREFIX, account_tokens, platforms, clock),
        InstagramGraphApi(INSTAGRAM_PREFIX, account_tokens, platforms, clock),
        YouTubeDataApi(credentials.youtube_api_key, platforms, clock),
        LinkedInShareStatistics(account_tokens, settings.linkedin_version, platforms, clock),
        TikTokDisplayApi(account_tokens, platforms, clock),
        YouTubeAnalyticsApi(account_tokens, platforms, clock),
        XApi(account_tokens, platforms, clock),
        MicrosoftIdentity(settings, tokens, clock),
        UnsplashApi(credentials.unsplash_access_key, clock, http_base_url(settings)),
        PexelsApi(credentials.pexels_api_key, http_base_url(settings)),
        ContentFeeds(http_base_url(settings)),
        OpenAiModels(credentials.model_api_key, clock),
        SmsProvider(credentials.sms_account_sid, credentials.sms_auth_token, work),
        MeilisearchServer(credentials.meilisearch_api_key, clock),
    ]
    return Starlette(
        routes=[route for service in services for route in service.routes()],
        middleware=[
            Middleware(SimulatedDateMiddleware, clock=clock),
            Middleware(FaultInjectionMiddleware, faults=faults),
        ],
    )
