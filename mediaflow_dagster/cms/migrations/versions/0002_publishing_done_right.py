"""Account onboarding and status, campaign owners and lifecycle, approvals bound to content,
scheduled and targeted publications with single-use callback tokens, owner events, per-platform
circuits.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("social_accounts") as accounts:
        for column in ("make_connection_id", "make_scenario_id", "make_webhook_url"):
            accounts.alter_column(column, existing_type=sa.String(500), nullable=True)
        accounts.add_column(sa.Column("make_hook_id", sa.String(100)))
        accounts.add_column(sa.Column("status_reason", sa.Text))
        accounts.add_column(sa.Column("status_checked_at", sa.DateTime))
        accounts.add_column(sa.Column("authorized_at", sa.DateTime))
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.add_column(sa.Column("owner_email", sa.String(320)))
    with op.batch_alter_table("campaign_targets") as targets:
        targets.add_column(sa.Column("revoked_at", sa.DateTime))
    with op.batch_alter_table("campaign_objects") as objects:
        objects.add_column(sa.Column("content_hash", sa.String(64)))
        objects.add_column(sa.Column("media_width", sa.Integer))
        objects.add_column(sa.Column("media_height", sa.Integer))
        objects.add_column(sa.Column("media_duration_seconds", sa.Float))
        objects.add_column(sa.Column("media_codec", sa.String(50)))
        objects.add_column(sa.Column("scheduled_time", sa.DateTime))
        objects.add_column(sa.Column("targeting", sa.JSON))
    with op.batch_alter_table("approvals") as approvals:
        approvals.add_column(sa.Column("content_hash", sa.String(64)))
        approvals.add_column(sa.Column("voided_at", sa.DateTime))
    with op.batch_alter_table("publications") as publications:
        publications.add_column(sa.Column("callback_token_hash", sa.String(64)))
        publications.add_column(sa.Column("callback_token_used_at", sa.DateTime))
        publications.add_column(sa.Column("scheduled_time", sa.DateTime))
        publications.add_column(sa.Column("targeting", sa.JSON))
        publications.add_column(sa.Column("adapted_content", sa.JSON))
        publications.add_column(sa.Column("spec_version", sa.String(20)))
        publications.add_column(sa.Column("approved_at", sa.DateTime))
        publications.add_column(sa.Column("confirmed_at", sa.DateTime))
        publications.add_column(sa.Column("time_to_publish_seconds", sa.Float))
    op.create_table(
        "campaign_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("publication_id", sa.Integer, sa.ForeignKey("publications.id")),
        sa.Column("event_type", sa.String(50), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_campaign_events_campaign_id", "campaign_events", ["campaign_id"])
    op.create_table(
        "platform_circuits",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("open_until", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("platform_circuits")
    op.drop_table("campaign_events")
    with op.batch_alter_table("publications") as publications:
        for column in (
            "callback_token_hash",
            "callback_token_used_at",
            "scheduled_time",
            "targeting",
            "adapted_content",
            "spec_version",
            "approved_at",
            "confirmed_at",
            "time_to_publish_seconds",
        ):
            publications.drop_column(column)
    with op.batch_alter_table("approvals") as approvals:
        approvals.drop_column("content_hash")
        approvals.drop_column("voided_at")
    with op.batch_alter_table("campaign_objects") as objects:
        for column in (
            "content_hash",
            "media_width",
            "media_height",
            "media_duration_seconds",
            "media_codec",
            "scheduled_time",
            "targeting",
        ):
            objects.drop_column(column)
    with op.batch_alter_table("campaign_targets") as targets:
        targets.drop_column("revoked_at")
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.drop_column("owner_email")
    with op.batch_alter_table("social_accounts") as accounts:
        for column in ("make_hook_id", "status_reason", "status_checked_at", "authorized_at"):
            accounts.drop_column(column)
