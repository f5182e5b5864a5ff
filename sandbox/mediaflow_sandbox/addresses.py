"""Where the sandbox answers, as its clients and the links it hands out see it."""

from __future__ import annotations

from mediaflow_sandbox.settings import SandboxSettings

TENANT = "mediaflow-tenant"
META_GRAPH_VERSION = "v24.0"
GRAPH_PREFIX = "/graph/v1.0"
FACEBOOK_PREFIX = f"/facebook/{META_GRAPH_VERSION}"
INSTAGRAM_PREFIX = f"/instagram/{META_GRAPH_VERSION}"
YOUTUBE_PREFIX = "/youtube/v3"
YOUTUBE_ANALYTICS_PREFIX = "/youtube-analytics/v2"
LINKEDIN_PREFIX = "/linkedin/rest"
TIKTOK_PREFIX = "/tiktok/v2"
X_PREFIX = "/x/2"
LINKEDIN_OAUTH_PREFIX = "/linkedin/oauth/v2"
GOOGLE_OAUTH_PREFIX = "/google"
N8N_WEBHOOK_PREFIX = "/n8n/webhook"
MAKE_HOOK_PREFIX = "/make/hook"
MAKE_API_PREFIX = "/make/api/v2"
MAKE_OAUTH_PREFIX = "/make/oauth"
SHAREPOINT_PREFIX = "/sharepoint"
UNSPLASH_PREFIX = "/unsplash"
UNSPLASH_IMAGES_PREFIX = "/unsplash/images"
PEXELS_PREFIX = "/pexels/v1"
PEXELS_IMAGES_PREFIX = "/pexels/images"
FEEDS_PREFIX = "/feeds"
OPENAI_PREFIX = "/openai/v1"
SMS_PREFIX = "/twilio"
MEILISEARCH_PREFIX = "/meilisearch"
CONTROL_PREFIX = "/_sandbox"


def http_base_url(sandbox: SandboxSettings) -> str:
    return f"http://{sandbox.host}:{sandbox.port}"


def https_base_url(sandbox: SandboxSettings) -> str:
    """The TLS address; 127.0.0.1 because that is what the server certificate names."""
    return f"https://127.0.0.1:{sandbox.tls_port}"
