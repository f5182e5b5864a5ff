"""Search in bounded time: what a search reads for every match it counts, narrow and indexed.

- SQLite: FTS5's prefix index for 4 letters as well as 3 (the last word of a search matches
  as a prefix: `cms/search/sqlite_fts.py`), the index made again from the documents;
- `search_facets`: each document's filter and facet columns (type, status, kind, platforms,
  campaign, date) in narrow rows, kept by triggers on `search_documents`; a search counts and
  filters its matches here instead of reading whole documents; on PostgreSQL also the title's
  own tsvectors with GIN indexes (a broad search ranks the documents matching in their title
  first, found here without reading the wide rows);
- PostgreSQL: the facet columns in `search_fulltext` too (a search counts its matches from the
  rows the GIN indexes point at, with no join), GIN indexes over each share of the documents a
  broad search samples (`search_fulltext_french_64`, …: a sample's matches are found without
  reading, nor even decoding, the others), and no trigram index on the
  vocabulary any more (typo tolerance reads the vocabulary once per generation of the index, as
  on SQLite).

The new structures are filled from the documents already indexed.

Revision ID: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

FACET_COLUMNS = "key, type, status, kind, platforms, campaign_id, date"
SAMPLE_HASH = "((key * 2654435761) & 4294967295)"
"""The expression `cms/search/sql.py` samples by, written the same (a partial index is used only
when a query's condition is the index's)."""
SAMPLE_SHARES = (64, 16, 4)
"""`sql.SAMPLE_SHARES`: a GIN index per language over each share of the documents, so that a
sample's matches are found in posting lists that share's size, not the whole index's."""

SQLITE_FULLTEXT = [
    "DROP TABLE search_fts",
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', "
    "content_rowid='key', tokenize='unicode61 remove_diacritics 2', prefix='{prefixes}')",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_TRIGGERS = [
    "CREATE TRIGGER search_facets_inserted AFTER INSERT ON search_documents BEGIN "
    f"INSERT INTO search_facets ({FACET_COLUMNS}) VALUES (new.key, new.type, new.status, "
    "new.kind, new.platforms, new.campaign_id, new.date); END",
    # an UPDATE: the conflict policy of the statement firing a trigger (an upsert's) overrides
    # the trigger's own, so an INSERT OR REPLACE here would fail
    "CREATE TRIGGER search_facets_updated AFTER UPDATE ON search_documents BEGIN "
    "UPDATE search_facets SET type = new.type, status = new.status, kind = new.kind, "
    "platforms = new.platforms, campaign_id = new.campaign_id, date = new.date "
    "WHERE key = old.key; END",
    "CREATE TRIGGER search_facets_deleted AFTER DELETE ON search_documents BEGIN "
    "DELETE FROM search_facets WHERE key = old.key; END",
]
SQLITE_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS search_facets_inserted",
    "DROP TRIGGER IF EXISTS search_facets_updated",
    "DROP TRIGGER IF EXISTS search_facets_deleted",
]


def _postgres_function(bounded: bool) -> str:
    """The trigger function filling PostgreSQL's full-text structures from the documents a
    statement wrote: `bounded`, also the facet columns and the title vectors."""
    fulltext_facets = ", type, status, kind, platforms, campaign_id, date" if bounded else ""
    facets_updated = (
        ", type = EXCLUDED.type, status = EXCLUDED.status, kind = EXCLUDED.kind, "
        "platforms = EXCLUDED.platforms, campaign_id = EXCLUDED.campaign_id, "
        "date = EXCLUDED.date"
        if bounded
        else ""
    )
    facets_table = (
        f"INSERT INTO search_facets ({FACET_COLUMNS}, french_title, english_title) "
        f"SELECT {FACET_COLUMNS}, to_tsvector('mediaflow_fr', title), "
        "to_tsvector('mediaflow_en', title) FROM written "
        f"ON CONFLICT (key) DO UPDATE SET french_title = EXCLUDED.french_title, "
        f"english_title = EXCLUDED.english_title{facets_updated};"
        if bounded
        else ""
    )
    return f"""
    CREATE OR REPLACE FUNCTION search_documents_fulltext() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_fulltext (key, french, english, words{fulltext_facets})
        SELECT key,
          setweight(to_tsvector('mediaflow_fr', title), 'A')
            || setweight(to_tsvector('mediaflow_fr', body), 'B'),
          setweight(to_tsvector('mediaflow_en', title), 'A')
            || setweight(to_tsvector('mediaflow_en', body), 'B'),
          to_tsvector('mediaflow_words', title || ' ' || body){fulltext_facets}
        FROM written
      ON CONFLICT (key) DO UPDATE SET
        french = EXCLUDED.french, english = EXCLUDED.english, words = EXCLUDED.words
        {facets_updated};
      {facets_table}
      INSERT INTO search_words (word)
        SELECT DISTINCT lexeme
        FROM search_fulltext JOIN written USING (key), unnest(search_fulltext.words)
        WHERE length(lexeme) >= 4
        ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$
    """


POSTGRES_UPGRADE = [
    "ALTER TABLE search_facets ADD COLUMN french_title tsvector, ADD COLUMN english_title tsvector",
    "UPDATE search_facets f SET french_title = to_tsvector('mediaflow_fr', d.title), "
    "english_title = to_tsvector('mediaflow_en', d.title) FROM search_documents d "
    "WHERE d.key = f.key",
    "ALTER TABLE search_facets ALTER COLUMN french_title SET NOT NULL, "
    "ALTER COLUMN english_title SET NOT NULL",
    "CREATE INDEX search_facets_french_title ON search_facets USING gin (french_title)",
    "CREATE INDEX search_facets_english_title ON search_facets USING gin (english_title)",
    "ALTER TABLE search_fulltext ADD COLUMN type varchar(20), ADD COLUMN status varchar(20), "
    "ADD COLUMN kind varchar(20), ADD COLUMN platforms integer, ADD COLUMN campaign_id integer, "
    "ADD COLUMN date timestamp without time zone",
    "UPDATE search_fulltext f SET type = d.type, status = d.status, kind = d.kind, "
    "platforms = d.platforms, campaign_id = d.campaign_id, date = d.date "
    "FROM search_documents d WHERE d.key = f.key",
    "ALTER TABLE search_fulltext ALTER COLUMN type SET NOT NULL, "
    "ALTER COLUMN platforms SET NOT NULL",
    *(
        f"CREATE INDEX search_fulltext_{language}_{share} ON search_fulltext "
        f"USING gin ({language}) WHERE {SAMPLE_HASH} < {2**32 // share}"
        for share in SAMPLE_SHARES
        for language in ("french", "english")
    ),
    "DROP INDEX search_words_trigrams",
    _postgres_function(bounded=True),
    "ANALYZE search_fulltext, search_facets",
]
POSTGRES_DOWNGRADE = [
    _postgres_function(bounded=False),
    "CREATE INDEX search_words_trigrams ON search_words USING gist (word gist_trgm_ops)",
    *(
        f"DROP INDEX search_fulltext_{language}_{share}"
        for share in SAMPLE_SHARES
        for language in ("french", "english")
    ),
    "ALTER TABLE search_fulltext DROP COLUMN type, DROP COLUMN status, DROP COLUMN kind, "
    "DROP COLUMN platforms, DROP COLUMN campaign_id, DROP COLUMN date",
]


def upgrade() -> None:
    op.create_table(
        "search_facets",
        sa.Column(
            "key",
            sa.Integer,
            sa.ForeignKey("search_documents.key", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("kind", sa.String(20)),
        sa.Column("platforms", sa.Integer, nullable=False),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("date", sa.DateTime),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO search_facets ({FACET_COLUMNS}) SELECT {FACET_COLUMNS} FROM search_documents"
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    sqlite = [*SQLITE_TRIGGERS, *(s.format(prefixes="3 4") for s in SQLITE_FULLTEXT)]
    for statement in POSTGRES_UPGRADE if postgres else sqlite:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    sqlite = [*SQLITE_TRIGGERS_DROP, *(s.format(prefixes="3") for s in SQLITE_FULLTEXT)]
    for statement in POSTGRES_DOWNGRADE if postgres else sqlite:
        op.execute(statement)
    op.drop_table("search_facets")
