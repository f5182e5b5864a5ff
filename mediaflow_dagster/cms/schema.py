"""The ops store's tables, as the queries see them. Migrations in `migrations/` create them.

Timestamps are naive UTC everywhere: SQLite, PostgreSQL and DuckDB then agree on them.
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

Platform = Literal["facebook", "instagram", "x", "youtube", "tiktok", "linkedin", "wordpress"]
AccountType = Literal["page", "profile", "business", "channel"]
ObjectType = Literal["video", "image", "text", "audio", "article", "advertisement"]
CandidateSource = Literal["unsplash", "pexels", "rss"]
CandidateKind = Literal["image", "idea"]
PLATFORMS: tuple[str, ...] = get_args(Platform)
ACCOUNT_TYPES: tuple[str, ...] = get_args(AccountType)
OBJECT_TYPES: tuple[str, ...] = get_args(ObjectType)

metadata = MetaData()

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("topics", JSON, nullable=False),
    Column("budget", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("owner_email", String(320)),
    Column("goals", JSON, nullable=False, server_default=text("'[]'")),
    Column("success_metrics", JSON, nullable=False, server_default=text("'[]'")),
    Column("channels", JSON, nullable=False, server_default=text("'[]'")),
    Column("target_audience", JSON),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("archived_at", DateTime),
)

social_accounts = Table(
    "social_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("account_type", String(20), nullable=False),
    Column("external_account_id", String(200), nullable=False),
    Column("make_connection_id", String(100)),
    Column("make_scenario_id", String(100)),
    Column("make_webhook_url", String(500)),
    Column("status", String(20), nullable=False),
    Column("make_hook_id", String(100)),
    Column("status_reason", Text),
    Column("status_checked_at", DateTime),
    Column("authorized_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("authorization_state_id", String(64)),
    Column("make_released_at", DateTime),
    UniqueConstraint("platform", "external_account_id"),
)

campaign_targets = Table(
    "campaign_targets",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("social_account_id", Integer, ForeignKey("social_accounts.id"), primary_key=True),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

MEDIA_FIELDS = (
    "media_url",
    "media_mime_type",
    "media_bytes",
    "media_width",
    "media_height",
    "media_duration_seconds",
    "media_codec",
)
"""What an object (and each of its renditions) says of its media file."""

campaign_objects = Table(
    "campaign_objects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("object_type", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("config", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("content_text", Text),
    Column("hashtags", JSON, nullable=False),
    Column("media_url", String(1000)),
    Column("media_mime_type", String(100)),
    Column("media_bytes", BigInteger),
    Column("sharepoint_drive_id", String(200)),
    Column("sharepoint_item_id", String(200)),
    Column("generation_execution_id", String(100)),
    Column("error", Text),
    Column("generation_requested_at", DateTime),
    Column("ready_at", DateTime),
    Column("approved_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("content_hash", String(64)),
    Column("media_width", Integer),
    Column("media_height", Integer),
    Column("media_duration_seconds", Float),
    Column("media_codec", String(50)),
    Column("scheduled_time", DateTime),
    Column("targeting", JSON),
    Column("generation_request_id", String(100)),
    Column("generation_attempts", Integer, nullable=False, server_default="0"),
    Column("generation_workflow", String(100)),
    Column("thumbnail_item_id", String(200)),
    Column("article", JSON),
    Column("advertisement", JSON),
)

media_renditions = Table(
    "media_renditions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_id", Integer, ForeignKey("campaign_objects.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("platform", String(20), nullable=False),
    Column("content_text", Text),
    Column("hashtags", JSON),
    Column("sharepoint_drive_id", String(200)),
    Column("sharepoint_item_id", String(200)),
    Column("file_name", String(200)),
    Column("media_url", String(1000)),
    Column("media_mime_type", String(100)),
    Column("media_bytes", BigInteger),
    Column("media_sha256", String(64)),
    Column("media_width", Integer),
    Column("media_height", Integer),
    Column("media_duration_seconds", Float),
    Column("media_codec", String(50)),
    Column("violations", JSON),
    Column("generation_execution_id", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("inspected_at", DateTime),
    UniqueConstraint("object_id", "platform"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_id", Integer, ForeignKey("campaign_objects.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("approved_by", String(200), nullable=False),
    Column("approved_at", DateTime, nullable=False),
    Column("content_hash", String(64)),
    Column("voided_at", DateTime),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_id", Integer, ForeignKey("campaign_objects.id"), nullable=False),
    Column("social_account_id", Integer, ForeignKey("social_accounts.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("idempotency_key", String(100), nullable=False, unique=True),
    Column("external_post_id", String(200)),
    Column("external_url", String(1000)),
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("requested_at", DateTime),
    Column("published_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("callback_token_hash", String(64)),
    Column("callback_token_used_at", DateTime),
    Column("scheduled_time", DateTime),
    Column("targeting", JSON),
    Column("adapted_content", JSON),
    Column("spec_version", String(20)),
    Column("approved_at", DateTime),
    Column("confirmed_at", DateTime),
    Column("time_to_publish_seconds", Float),
    UniqueConstraint("object_id", "social_account_id"),
)

callback_inbox = Table(
    "callback_inbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("source", String(20), nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("campaign_id", Integer),
    Column("subject_id", Integer),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", Text),
    Column("received_at", DateTime, nullable=False),
    Column("processed_at", DateTime),
)

campaign_events = Table(
    "campaign_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("publication_id", Integer, ForeignKey("publications.id")),
    Column("event_type", String(50), nullable=False),
    Column("detail", Text),
    Column("created_at", DateTime, nullable=False),
)

platform_circuits = Table(
    "platform_circuits",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("consecutive_failures", Integer, nullable=False),
    Column("open_until", DateTime),
    Column("last_error", Text),
    Column("updated_at", DateTime, nullable=False),
)

content_candidates = Table(
    "content_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("source", String(20), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("title", String(200), nullable=False),
    Column("summary", Text),
    Column("url", Text),
    Column("preview_url", Text),
    Column("author", String(200)),
    Column("author_url", Text),
    Column("width", Integer),
    Column("height", Integer),
    Column("published_at", DateTime),
    Column("found_at", DateTime, nullable=False),
    Column("picked_at", DateTime),
    Column("picked_object_id", Integer, ForeignKey("campaign_objects.id")),
    UniqueConstraint("campaign_id", "source", "external_id"),
)

insight_readings = Table(
    "insight_readings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", String(200), nullable=False),
    Column("publication_id", Integer, ForeignKey("publications.id"), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("external_post_id", String(200), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("value", BigInteger),
    Column("collected_at", DateTime, nullable=False),
    Column("api_version", String(20)),
    Column("received_at", DateTime, nullable=False),
    Column("landed_run_id", String(64)),
    UniqueConstraint("publication_id", "metric", "collected_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor", String(200), nullable=False),
    Column("credential", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("route", String(200), nullable=False),
    Column("target", String(500), nullable=False),
    Column("status", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("description", String(200)),
    Column("status", String(20), nullable=False),
    Column("disabled_reason", String(500)),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("subscription_id", Integer, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, index=True),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
)

account_credentials = Table(
    "account_credentials",
    metadata,
    Column("social_account_id", Integer, ForeignKey("social_accounts.id"), primary_key=True),
    Column("access_token_encrypted", Text, nullable=False),
    Column("refresh_token_encrypted", Text),
    Column("expires_at", DateTime),
    Column("scopes", JSON, nullable=False),
    Column("reconnect_reason", Text),
    Column("refreshed_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
)

Channel = Literal["email", "sms"]
Purpose = Literal["marketing", "transactional"]
CHANNELS: tuple[str, ...] = get_args(Channel)
PURPOSES: tuple[str, ...] = get_args(Purpose)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pseudonym", String(64), nullable=False, unique=True),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("email_index", String(64), unique=True),
    Column("phone_index", String(64), unique=True),
    Column("language", String(10), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

contact_consents = Table(
    "contact_consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("source", String(100), nullable=False),
    Column("wording_version", String(50), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime),
    Column("withdrawn_at", DateTime),
    Column("withdrawal_source", String(100)),
    UniqueConstraint("contact_id", "channel", "purpose"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),
    Column("address_index", String(64), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("channel", "address_index"),
)

contact_imports = Table(
    "contact_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("content", Text),
    Column("source", String(100), nullable=False),
    Column("wording_version", String(50), nullable=False),
    Column("total_lines", Integer, nullable=False),
    Column("processed_lines", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
)

notification_templates = Table(
    "notification_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("language", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("subject", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("sms_body", Text),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("name", "language", "version"),
)

notification_requests = Table(
    "notification_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("template_name", String(100), nullable=False),
    Column("audience", JSON, nullable=False),
    Column("data", JSON, nullable=False),
    Column("channels", JSON, nullable=False),
    Column("send_at", DateTime),
    Column("best_hour", Boolean, nullable=False),
    Column("all_channels", Boolean, nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id")),
    Column("status", String(20), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("planned_at", DateTime),
)

notification_messages = Table(
    "notification_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("notification_requests.id")),
    Column("contact_id", Integer, ForeignKey("contacts.id")),
    Column("contact_pseudonym", String(64)),
    Column("kind", String(20), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("template_id", Integer, ForeignKey("notification_templates.id")),
    Column("template_version", Integer),
    Column("campaign_id", Integer),
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("provider_message_id", String(200), unique=True),
    Column("segments", Integer),
    Column("attempts", Integer, nullable=False),
    Column("send_after", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("delivered_at", DateTime),
    Column("opened_at", DateTime),
    Column("clicked_at", DateTime),
    Column("unsubscribed_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("request_id", "contact_id", "channel"),
)

message_events = Table(
    "message_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("message_id", Integer, ForeignKey("notification_messages.id")),
    Column("event_type", String(30), nullable=False),
    Column("detail", Text),
    Column("occurred_at", DateTime, nullable=False),
)

erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pseudonym", String(64)),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("stores", JSON, nullable=False),
    Column("finished_at", DateTime),
)

search_documents = Table(
    "search_documents",
    metadata,
    Column("key", Integer, primary_key=True),
    Column("document_id", String(64), nullable=False, unique=True),
    Column("type", String(20), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20)),
    Column("kind", String(20)),
    Column("platforms", Integer, nullable=False),
    Column("campaign_id", Integer, index=True),
    Column("date", DateTime, index=True),
    Column("refs", Text, nullable=False),
    Column("document", JSON, nullable=False),
    Column("indexed_at", DateTime, nullable=False),
)

search_facets = Table(
    "search_facets",
    metadata,
    Column(
        "key",
        Integer,
        ForeignKey("search_documents.key", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("type", String(20), nullable=False),
    Column("status", String(20)),
    Column("kind", String(20)),
    Column("platforms", Integer, nullable=False),
    Column("campaign_id", Integer),
    Column("date", DateTime),
    sqlite_with_rowid=False,
)
"""A copy of each document's filter and facet columns, kept by triggers (migration 0015): narrow
rows that a search reads for every match it counts, where `search_documents` rows carry the
whole document."""

search_index_state = Table(
    "search_index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("changed_before", DateTime),
    Column("generation", Integer, nullable=False),
    Column("synced_at", DateTime),
    Column("rebuilt_at", DateTime),
    Column("meilisearch_indexed_before", DateTime),
)

search_pending_deletions = Table(
    "search_pending_deletions",
    metadata,
    Column("document_id", String(64), primary_key=True),
    Column("requested_at", DateTime, nullable=False),
)

dependency_checks = Table(
    "dependency_checks",
    metadata,
    Column("service", String(40), primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text),
    Column("checked_at", DateTime, nullable=False),
)

run_failures = Table(
    "run_failures",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("job_name", String(200), nullable=False),
    Column("campaign_id", Integer),
    Column("steps", JSON, nullable=False),
    Column("notification_request_id", Integer, ForeignKey("notification_requests.id")),
    Column("webhook_deliveries", Integer, nullable=False),
    Column("failed_at", DateTime, nullable=False),
    Column("noticed_at", DateTime, nullable=False),
)

tracked_links = Table(
    "tracked_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("object_id", Integer, ForeignKey("campaign_objects.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("social_accounts.id"), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("object_id", "account_id", "url", name="uq_tracked_links_post_url"),
)

link_clicks = Table(
    "link_clicks",
    metadata,
    Column("click_id", String(40), primary_key=True),
    Column("campaign_id", Integer, index=True),
    Column("channel", String(10), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("tracked_link_id", Integer, ForeignKey("tracked_links.id")),
    Column("message_id", Integer, ForeignKey("notification_messages.id")),
    Column("clicked_at", DateTime, nullable=False),
)

AlertMetric = Literal[
    "engagement_rate", "click_through_rate", "budget_pacing", "cost_per_engagement", "cpm"
]
AlertDirection = Literal["below", "above"]
ReportCadence = Literal["daily", "weekly", "monthly", "final"]
ALERT_METRICS: tuple[str, ...] = get_args(AlertMetric)
REPORT_CADENCES: tuple[str, ...] = get_args(ReportCadence)

performance_thresholds = Table(
    "performance_thresholds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("value", Numeric(18, 6), nullable=False),
    Column("after_hours", Integer, nullable=False),
    Column("state", String(10), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("evaluated_at", DateTime),
    UniqueConstraint("campaign_id", "metric", "direction"),
)

performance_alerts = Table(
    "performance_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "threshold_id",
        Integer,
        ForeignKey("performance_thresholds.id"),
        index=True,
    ),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("threshold", Numeric(18, 6), nullable=False),
    Column("observed", Float, nullable=False),
    Column("data_as_of", DateTime),
    Column("notification_request_id", Integer, ForeignKey("notification_requests.id")),
    Column("webhook_deliveries", Integer, nullable=False),
    Column("crossed_at", DateTime, nullable=False),
    Column("recovered_at", DateTime),
)

campaign_reports = Table(
    "campaign_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("cadence", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("html_path", String(500), nullable=False),
    Column("pdf_path", String(500), nullable=False),
    Column("figures", JSON, nullable=False),
    Column("notification_request_id", Integer, ForeignKey("notification_requests.id")),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("campaign_id", "cadence", "period_start"),
)

object_platforms = Table(
    "object_platforms",
    metadata,
    Column("object_id", Integer, ForeignKey("campaign_objects.id"), primary_key=True),
    Column("platform", String(20), primary_key=True),
)
"""The platforms an object is published on, when not every platform its campaign targets (an
object made by `POST /api/communication/publish`)."""

PhaseName = Literal["teaser", "launch", "follow_up"]

campaign_phases = Table(
    "campaign_phases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("phase", String(20), nullable=False),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("actions", JSON, nullable=False),
    Column("started_at", DateTime),
    Column("ended_at", DateTime),
    Column("outcome", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("campaign_id", "phase"),
)

automation_rules = Table(
    "automation_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text),
    Column("event_type", String(50), nullable=False),
    Column("action", String(30), nullable=False),
    Column("config", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("enabled_at", DateTime),
    Column("checked_through", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

automation_actions = Table(
    "automation_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inbox_id", Integer, ForeignKey("callback_inbox.id"), nullable=False),
    Column("rule_id", Integer, nullable=False),
    Column("rule_name", String(100), nullable=False),
    Column("action", String(30), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text),
    Column("acted_at", DateTime, nullable=False),
    UniqueConstraint("inbox_id", "rule_id"),
)
"""What each rule did with each module event: one row per (event, rule), written with the
action, so an event is acted on once however often it is looked at."""

menus = Table(
    "menus",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("platforms", JSON, nullable=False),
    Column("notify", JSON),
    Column("version", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

menu_versions = Table(
    "menu_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("menu_id", Integer, ForeignKey("menus.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("menu", JSON, nullable=False),
    Column("documents", JSON, nullable=False),
    Column("refusals", JSON, nullable=False),
    Column("left_out", JSON, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("visible_change", Boolean, nullable=False),
    Column("sync_state", String(20), nullable=False),
    Column("object_id", Integer, ForeignKey("campaign_objects.id")),
    Column("notification_request_id", Integer),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("synced_at", DateTime),
    UniqueConstraint("menu_id", "version", name="uq_menu_versions_menu_version"),
    Index("ix_menu_versions_sync_state", "sync_state", "id"),
)
