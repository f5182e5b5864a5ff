"""The search index's database side: what every backend keeps (`search_documents`, the state of
the last synchronisation, the deletions Meilisearch has yet to take) and each database's own
full-text structures, kept current by triggers on `search_documents`:

- SQLite: an FTS5 table over the documents' title and body (accents folded), with its term
  vocabulary (`fts5vocab`) for typo tolerance;
- PostgreSQL: `unaccent` and `pg_trgm`, text search configurations folding accents for French,
  English and plain words, a tsvector per language with GIN indexes, and the indexed words under
  a trigram index for typo tolerance.

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

SQLITE_FULLTEXT = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', "
    "content_rowid='key', tokenize='unicode61 remove_diacritics 2', prefix='3')",
    "CREATE VIRTUAL TABLE search_fts_terms USING fts5vocab(search_fts, 'row')",
    "CREATE TRIGGER search_documents_inserted AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.key, new.title, new.body); END",
    "CREATE TRIGGER search_documents_deleted AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.key, old.title, old.body); END",
    "CREATE TRIGGER search_documents_updated AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.key, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.key, new.title, new.body); END",
]
SQLITE_FULLTEXT_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_updated",
    "DROP TRIGGER IF EXISTS search_documents_deleted",
    "DROP TRIGGER IF EXISTS search_documents_inserted",
    "DROP TABLE IF EXISTS search_fts_terms",
    "DROP TABLE IF EXISTS search_fts",
]

_CONFIGURATIONS = {"mediaflow_fr": "french", "mediaflow_en": "english", "mediaflow_words": "simple"}
POSTGRES_FULLTEXT = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        statement
        for name, parent in _CONFIGURATIONS.items()
        for statement in (
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{parent})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {'simple' if parent == 'simple' else parent + '_stem'}",
        )
    ),
    "CREATE TABLE search_fulltext ("
    " key integer PRIMARY KEY REFERENCES search_documents (key) ON DELETE CASCADE,"
    " french tsvector NOT NULL, english tsvector NOT NULL, words tsvector NOT NULL)",
    "CREATE INDEX search_fulltext_french ON search_fulltext USING gin (french)",
    "CREATE INDEX search_fulltext_english ON search_fulltext USING gin (english)",
    "CREATE INDEX search_fulltext_words ON search_fulltext USING gin (words)",
    "CREATE TABLE search_words (word text PRIMARY KEY)",
    "CREATE INDEX search_words_trigrams ON search_words USING gin (word gin_trgm_ops)",
    """
    CREATE FUNCTION search_documents_fulltext() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      words tsvector := to_tsvector('mediaflow_words', NEW.title || ' ' || NEW.body);
    BEGIN
      INSERT INTO search_fulltext (key, french, english, words) VALUES (
        NEW.key,
        setweight(to_tsvector('mediaflow_fr', NEW.title), 'A')
          || setweight(to_tsvector('mediaflow_fr', NEW.body), 'B'),
        setweight(to_tsvector('mediaflow_en', NEW.title), 'A')
          || setweight(to_tsvector('mediaflow_en', NEW.body), 'B'),
        words)
      ON CONFLICT (key) DO UPDATE SET
        french = EXCLUDED.french, english = EXCLUDED.english, words = EXCLUDED.words;
      INSERT INTO search_words (word)
        SELECT lexeme FROM unnest(words) WHERE length(lexeme) >= 4
        ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER search_documents_fulltext AFTER INSERT OR UPDATE ON search_documents "
    "FOR EACH ROW EXECUTE FUNCTION search_documents_fulltext()",
]
POSTGRES_FULLTEXT_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_fulltext ON search_documents",
    "DROP FUNCTION IF EXISTS search_documents_fulltext()",
    "DROP TABLE IF EXISTS search_words",
    "DROP TABLE IF EXISTS search_fulltext",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in _CONFIGURATIONS),
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("key", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(20), nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("kind", sa.String(20)),
        sa.Column("platforms", sa.String(200), nullable=False),
        sa.Column("campaign_id", sa.Integer, index=True),
        sa.Column("date", sa.DateTime, index=True),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("indexed_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "search_index_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("changed_before", sa.DateTime),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("synced_at", sa.DateTime),
        sa.Column("rebuilt_at", sa.DateTime),
        sa.Column("meilisearch_indexed_before", sa.DateTime),
    )
    op.create_table(
        "search_pending_deletions",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("requested_at", sa.DateTime, nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_FULLTEXT if postgres else SQLITE_FULLTEXT:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_FULLTEXT_DROP if postgres else SQLITE_FULLTEXT_DROP:
        op.execute(statement)
    op.drop_table("search_pending_deletions")
    op.drop_table("search_index_state")
    op.drop_table("search_documents")
