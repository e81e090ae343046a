-- The remote instances this one synchronises with (store.Servers, MISP's servers): the searched and ordered
-- fields in columns, the rest of MISP's fields as JSON in data, the remote API key sealed by the intel service
-- (never in clear), and the progress of each direction (MISP's lastpushedid, lastpulledid).

-- +goose Up
CREATE TABLE servers (
    id             bigserial PRIMARY KEY,
    name           text   NOT NULL,
    url            text   NOT NULL,
    authkey        text   NOT NULL DEFAULT '',
    org_id         bigint NOT NULL DEFAULT 0,
    remote_org_id  bigint NOT NULL DEFAULT 0,
    priority       bigint NOT NULL DEFAULT 0,
    last_pushed_id bigint NOT NULL DEFAULT 0,
    last_pulled_id bigint NOT NULL DEFAULT 0,
    data           text   NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE servers;
