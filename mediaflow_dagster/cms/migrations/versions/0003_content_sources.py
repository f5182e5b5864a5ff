"""Content candidates: stock photos and feed ideas found for a campaign, once each, and the draft
object a user picked each into.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "content_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("external_id", sa.String(500), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("preview_url", sa.Text),
        sa.Column("author", sa.String(200)),
        sa.Column("author_url", sa.Text),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("published_at", sa.DateTime),
        sa.Column("found_at", sa.DateTime, nullable=False),
        sa.Column("picked_at", sa.DateTime),
        sa.Column("picked_object_id", sa.Integer, sa.ForeignKey("campaign_objects.id")),
        sa.UniqueConstraint("campaign_id", "source", "external_id"),
        sa.CheckConstraint(
            "source IN ('unsplash', 'pexels', 'rss')", name="ck_content_candidates_source"
        ),
        sa.CheckConstraint("kind IN ('image', 'idea')", name="ck_content_candidates_kind"),
    )


def downgrade() -> None:
    op.drop_table("content_candidates")
