-- Web UI logins (store.Logins): users' bcrypt password hashes and the sessions of the web UI, each kept by the
-- sha256 of its token (never the token), with its creation, last use and absolute expiry in unix seconds.

-- +goose Up
CREATE TABLE user_passwords (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash    text   NOT NULL,
    changed bigint NOT NULL
);

CREATE TABLE web_sessions (
    token_hash text   PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created    bigint NOT NULL,
    last_seen  bigint NOT NULL,
    expires    bigint NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires);

-- +goose Down
DROP TABLE web_sessions;
DROP TABLE user_passwords;
