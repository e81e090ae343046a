-- Incidents and their journals (store.Incidents). A journal entry's time is unix nanoseconds, exactly as hashed;
-- entries are read back in the order they were written (id). Nothing constrains seq: the journal's hash chain,
-- checked by automation/journal, is what tells a tampered journal, and it must be able to see one.

-- +goose Up
CREATE TABLE IF NOT EXISTS incidents (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    severity      REAL    NOT NULL,
    status        TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    labels        TEXT    NOT NULL,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    journal_count INTEGER NOT NULL DEFAULT 0,
    journal_head  TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status, id);

CREATE TABLE IF NOT EXISTS journal (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    time        INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    prev        TEXT    NOT NULL,
    hash        TEXT    NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS journal_incident ON journal (incident_id, id);

-- +goose Down
DROP TABLE IF EXISTS journal;
DROP TABLE IF EXISTS incidents;
