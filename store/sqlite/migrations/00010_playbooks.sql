-- Playbook runs (store.Playbooks): the playbook's text as it was at the start, the executor's JSON state, and a
-- version every update bumps so that concurrent writers are refused instead of overwriting each other. Evidence: files
-- and values kept with an incident, with their SHA-256 and the journal entry that records them.

-- +goose Up
CREATE TABLE IF NOT EXISTS playbook_runs (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    playbook    TEXT    NOT NULL,
    source      BLOB    NOT NULL,
    status      TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS playbook_runs_status ON playbook_runs (status, id);
CREATE INDEX IF NOT EXISTS playbook_runs_incident ON playbook_runs (incident_id, id);

CREATE TABLE IF NOT EXISTS evidence (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB    NOT NULL,
    actor       TEXT    NOT NULL,
    entry       INTEGER NOT NULL,
    created     INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS evidence_incident ON evidence (incident_id, id);

-- +goose Down
DROP TABLE IF EXISTS evidence;
DROP TABLE IF EXISTS playbook_runs;
