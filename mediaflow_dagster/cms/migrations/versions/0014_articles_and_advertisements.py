"""Articles and advertisements: an object's type takes up to 20 characters ("advertisement" is
13), and an object carries its article's fields (body, format, cover, canonical link) or its
advertisement's (creative, headline, primary text, call to action, destination, budget,
schedule, objective) in one JSON column each.

Revision ID: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    with op.batch_alter_table("campaign_objects") as objects:
        objects.alter_column("object_type", existing_type=sa.String(10), type_=sa.String(20))
        objects.add_column(sa.Column("article", sa.JSON))
        objects.add_column(sa.Column("advertisement", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("campaign_objects") as objects:
        objects.drop_column("advertisement")
        objects.drop_column("article")
        objects.alter_column("object_type", existing_type=sa.String(20), type_=sa.String(10))
