-- The enrichment cache: one provider's answer about one indicator, keyed by (provider, indicator
-- type, indicator value). Times are Unix nanoseconds, as in store/sqlite, so that expiry compares
-- to the nanosecond. Keys are bytea, not text: a key is whatever bytes the caller gave (text would
-- refuse invalid UTF-8 and NUL), compared exactly.

-- +goose Up
CREATE TABLE enrich_cache (
    provider   bytea    NOT NULL,
    type       bytea    NOT NULL,
    value      bytea    NOT NULL,
    verdict    smallint NOT NULL CHECK (verdict BETWEEN 0 AND 3),
    data       bytea    NOT NULL,
    stored_ns  bigint   NOT NULL,
    expires_ns bigint   NOT NULL,
    PRIMARY KEY (provider, type, value)
);

CREATE INDEX enrich_cache_expires ON enrich_cache (expires_ns);

-- +goose Down
DROP TABLE enrich_cache;
