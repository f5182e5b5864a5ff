"""Menus: each menu (`menus`) with every version of it (`menu_versions`): the menu as written,
each platform's document made from it, their fingerprint (a version whose documents equal the
last visible one's makes no visible difference), and how its synchronisation went.

Revision ID: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.create_table(
        "menus",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("platforms", sa.JSON, nullable=False),
        sa.Column("notify", sa.JSON),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "menu_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("menu_id", sa.Integer, sa.ForeignKey("menus.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("menu", sa.JSON, nullable=False),
        sa.Column("documents", sa.JSON, nullable=False),
        sa.Column("refusals", sa.JSON, nullable=False),
        sa.Column("left_out", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("visible_change", sa.Boolean, nullable=False),
        sa.Column("sync_state", sa.String(20), nullable=False),
        sa.Column("object_id", sa.Integer, sa.ForeignKey("campaign_objects.id")),
        sa.Column("notification_request_id", sa.Integer),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("synced_at", sa.DateTime),
        sa.UniqueConstraint("menu_id", "version", name="uq_menu_versions_menu_version"),
    )
    op.create_index("ix_menu_versions_sync_state", "menu_versions", ["sync_state", "id"])


def downgrade() -> None:
    op.drop_table("menu_versions")
    op.drop_table("menus")
