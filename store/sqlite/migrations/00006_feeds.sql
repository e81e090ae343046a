-- MISP's feeds (store.Feeds): each feed as its JSON document, and the feed cache, the md5 digests of the values
-- each feed holds, indexed by digest.

-- +goose Up
CREATE TABLE IF NOT EXISTS feeds (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    data TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS feed_cache (
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    hash    TEXT    NOT NULL,
    PRIMARY KEY (feed_id, hash)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS feed_cache_hash ON feed_cache (hash);

-- +goose Down
DROP TABLE IF EXISTS feed_cache;
DROP TABLE IF EXISTS feeds;
