-- Web UI logins (store.Logins): users' bcrypt password hashes and the sessions of the web UI, each kept by the
-- sha256 of its token (never the token), with its creation, last use and absolute expiry in unix seconds.
-- Written to be applied twice harmlessly, as every migration here: two processes opening a new file at once may both
-- run it (which is why the hash has a table of its own rather than a column added to users).

-- +goose Up
CREATE TABLE IF NOT EXISTS user_passwords (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT    NOT NULL,
    changed INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created    INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires    INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user_id);
CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions (expires);

-- +goose Down
DROP TABLE IF EXISTS web_sessions;
DROP TABLE IF EXISTS user_passwords;
