-- The remote instances this one synchronises with (store.Servers, MISP's servers): the searched and ordered
-- fields in columns, the rest of MISP's fields as JSON in data, the remote API key sealed by the intel service
-- (never in clear), and the progress of each direction (MISP's lastpushedid, lastpulledid).

-- +goose Up
CREATE TABLE IF NOT EXISTS servers (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    authkey        TEXT    NOT NULL DEFAULT '',
    org_id         INTEGER NOT NULL DEFAULT 0,
    remote_org_id  INTEGER NOT NULL DEFAULT 0,
    priority       INTEGER NOT NULL DEFAULT 0,
    last_pushed_id INTEGER NOT NULL DEFAULT 0,
    last_pulled_id INTEGER NOT NULL DEFAULT 0,
    data           TEXT    NOT NULL DEFAULT '{}'
) STRICT;

-- +goose Down
DROP TABLE IF EXISTS servers;
