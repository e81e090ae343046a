-- The enrichment cache: one provider's answer about one indicator, keyed by (provider, indicator
-- type, indicator value). Times are Unix nanoseconds. Statements are idempotent so that two
-- processes opening a fresh database at the same moment both succeed.

-- +goose Up
CREATE TABLE IF NOT EXISTS enrich_cache (
    provider   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    verdict    INTEGER NOT NULL CHECK (verdict BETWEEN 0 AND 3),
    data       BLOB    NOT NULL,
    stored_ns  INTEGER NOT NULL,
    expires_ns INTEGER NOT NULL,
    PRIMARY KEY (provider, type, value)
) STRICT;

CREATE INDEX IF NOT EXISTS enrich_cache_expires ON enrich_cache (expires_ns);

-- +goose Down
DROP TABLE IF EXISTS enrich_cache;
