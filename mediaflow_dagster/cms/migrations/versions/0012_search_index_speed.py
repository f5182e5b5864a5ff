"""The search index, faster: a document's platforms as a bitmask (filters and facet counts
without `LIKE`), and on PostgreSQL the full-text table filled once per statement (a batch of
documents is one set-based insert) and the vocabulary under a GiST trigram index (nearest words
first, `<->`).

The index is derived data: its tables are made again, empty, and the next synchronisation of
`ops/search_index` makes every document again (the state of the last one is forgotten; the
deletions waiting for Meilisearch stay).

Revision ID: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"

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


def _postgres_fulltext(trigram_index: str, per_statement: bool) -> list[str]:
    if per_statement:
        function = """
        CREATE FUNCTION search_documents_fulltext() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO search_fulltext (key, french, english, words)
            SELECT key,
              setweight(to_tsvector('mediaflow_fr', title), 'A')
                || setweight(to_tsvector('mediaflow_fr', body), 'B'),
              setweight(to_tsvector('mediaflow_en', title), 'A')
                || setweight(to_tsvector('mediaflow_en', body), 'B'),
              to_tsvector('mediaflow_words', title || ' ' || body)
            FROM written
          ON CONFLICT (key) DO UPDATE SET
            french = EXCLUDED.french, english = EXCLUDED.english, words = EXCLUDED.words;
          INSERT INTO search_words (word)
            SELECT DISTINCT lexeme
            FROM search_fulltext JOIN written USING (key), unnest(search_fulltext.words)
            WHERE length(lexeme) >= 4
            ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$
        """
        triggers = [
            # once per statement, over the rows it wrote
            "CREATE TRIGGER search_documents_inserted AFTER INSERT ON search_documents "
            "REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
            "EXECUTE FUNCTION search_documents_fulltext()",
            "CREATE TRIGGER search_documents_updated AFTER UPDATE ON search_documents "
            "REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
            "EXECUTE FUNCTION search_documents_fulltext()",
        ]
    else:
        function = """
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
        """
        triggers = [
            "CREATE TRIGGER search_documents_fulltext AFTER INSERT OR UPDATE ON search_documents "
            "FOR EACH ROW EXECUTE FUNCTION search_documents_fulltext()"
        ]
    return [
        "CREATE TABLE search_fulltext ("
        " key integer PRIMARY KEY REFERENCES search_documents (key) ON DELETE CASCADE,"
        " french tsvector NOT NULL, english tsvector NOT NULL, words tsvector NOT NULL)",
        "CREATE INDEX search_fulltext_french ON search_fulltext USING gin (french)",
        "CREATE INDEX search_fulltext_english ON search_fulltext USING gin (english)",
        "CREATE INDEX search_fulltext_words ON search_fulltext USING gin (words)",
        "CREATE TABLE search_words (word text PRIMARY KEY)",
        f"CREATE INDEX search_words_trigrams ON search_words USING {trigram_index}",
        function,
        *triggers,
    ]


POSTGRES_FULLTEXT_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_fulltext ON search_documents",
    "DROP TRIGGER IF EXISTS search_documents_updated ON search_documents",
    "DROP TRIGGER IF EXISTS search_documents_inserted ON search_documents",
    "DROP FUNCTION IF EXISTS search_documents_fulltext()",
    "DROP TABLE IF EXISTS search_words",
    "DROP TABLE IF EXISTS search_fulltext",
]


def _documents_table(platforms: sa.types.TypeEngine) -> None:
    op.create_table(
        "search_documents",
        sa.Column("key", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(20), nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("kind", sa.String(20)),
        sa.Column("platforms", platforms, nullable=False),
        sa.Column("campaign_id", sa.Integer, index=True),
        sa.Column("date", sa.DateTime, index=True),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("indexed_at", sa.DateTime, nullable=False),
    )


def _remake(platforms: sa.types.TypeEngine, trigram_index: str, per_statement: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_FULLTEXT_DROP if postgres else SQLITE_FULLTEXT_DROP:
        op.execute(statement)
    op.drop_table("search_documents")
    _documents_table(platforms)
    fulltext = _postgres_fulltext(trigram_index, per_statement) if postgres else SQLITE_FULLTEXT
    for statement in fulltext:
        op.execute(statement)
    op.execute("DELETE FROM search_index_state")


def upgrade() -> None:
    _remake(sa.Integer(), "gist (word gist_trgm_ops)", per_statement=True)


def downgrade() -> None:
    _remake(sa.String(200), "gin (word gin_trgm_ops)", per_statement=False)
