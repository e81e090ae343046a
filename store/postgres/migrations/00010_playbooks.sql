-- Playbook runs (store.Playbooks): the playbook's text as it was at the start, the executor's JSON state, and a
-- version every update bumps so that concurrent writers are refused instead of overwriting each other. Evidence: files
-- and values kept with an incident, with their SHA-256 and the journal entry that records them.

-- +goose Up
CREATE TABLE playbook_runs (
    id          bigserial PRIMARY KEY,
    incident_id bigint  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    playbook    text    NOT NULL,
    source      bytea   NOT NULL,
    status      text    NOT NULL,
    state       text    NOT NULL,
    error       text    NOT NULL DEFAULT '',
    version     bigint  NOT NULL,
    created     bigint  NOT NULL,
    updated     bigint  NOT NULL
);

CREATE INDEX playbook_runs_status ON playbook_runs (status, id);
CREATE INDEX playbook_runs_incident ON playbook_runs (incident_id, id);

CREATE TABLE evidence (
    id          bigserial PRIMARY KEY,
    incident_id bigint  NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        text    NOT NULL,
    name        text    NOT NULL,
    sha256      text    NOT NULL,
    size        bigint  NOT NULL,
    content     bytea   NOT NULL,
    actor       text    NOT NULL,
    entry       bigint  NOT NULL,
    created     bigint  NOT NULL
);

CREATE INDEX evidence_incident ON evidence (incident_id, id);

-- +goose Down
DROP TABLE evidence;
DROP TABLE playbook_runs;
