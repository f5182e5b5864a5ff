"""Attribution: the links of published posts, each behind a short signed redirect
(`tracked_links`), and every tracked click of a post or a message (`link_clicks`), whose click
id the destination's address carries on to the CRM's conversions.

Revision ID: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    op.create_table(
        "tracked_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id"), nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("social_accounts.id"), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("object_id", "account_id", "url", name="uq_tracked_links_post_url"),
    )
    op.create_table(
        "link_clicks",
        sa.Column("click_id", sa.String(40), primary_key=True),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("tracked_link_id", sa.Integer, sa.ForeignKey("tracked_links.id")),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("notification_messages.id")),
        sa.Column("clicked_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_link_clicks_campaign_id", "link_clicks", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("link_clicks")
    op.drop_table("tracked_links")
