"""The BI tools' read-only role on PostgreSQL: `mediaflow_bi_reader` reads the marts schema and
nothing else (no raw landing, no staging, no ops tables). It cannot log in: give it to the BI
tool's own login (`GRANT mediaflow_bi_reader TO superset`). The marts dbt rebuilds later are
readable by it too (default privileges of the role that runs the migrations and dbt). The
embedded store has no roles: BI reads a read-only copy of the marts there.

Revision ID: 0013
"""

from alembic import op

revision = "0013"
down_revision = "0012"

BI_READER = "mediaflow_bi_reader"
MARTS = "marts"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{BI_READER}') THEN
                CREATE ROLE {BI_READER} NOLOGIN;
            END IF;
        END $$
        """
    )
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS}")
    op.execute(f"GRANT USAGE ON SCHEMA {MARTS} TO {BI_READER}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {MARTS} TO {BI_READER}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {MARTS} GRANT SELECT ON TABLES TO {BI_READER}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {MARTS} REVOKE SELECT ON TABLES FROM {BI_READER}"
    )
    op.execute(f"REVOKE SELECT ON ALL TABLES IN SCHEMA {MARTS} FROM {BI_READER}")
    op.execute(f"REVOKE USAGE ON SCHEMA {MARTS} FROM {BI_READER}")
