-- MISP's feeds (store.Feeds): each feed as its JSON document, and the feed cache, the md5 digests of the values
-- each feed holds, indexed by digest.

-- +goose Up
CREATE TABLE feeds (
    id   bigserial PRIMARY KEY,
    name text NOT NULL,
    data text NOT NULL
);

CREATE TABLE feed_cache (
    feed_id bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    hash    text   NOT NULL,
    PRIMARY KEY (feed_id, hash)
);

CREATE INDEX feed_cache_hash ON feed_cache (hash);

-- +goose Down
DROP TABLE feed_cache;
DROP TABLE feeds;
