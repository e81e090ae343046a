-- Leases on playbook runs (store.Playbooks.LeaseRun): which server drives a run, until when, so that several servers
-- on one store never drive the same run at once. A table of its own, created if missing, so that two processes
-- opening a new file at once both migrate it harmlessly.

-- +goose Up
CREATE TABLE IF NOT EXISTS playbook_leases (
    run_id INTEGER PRIMARY KEY REFERENCES playbook_runs (id) ON DELETE CASCADE,
    owner  TEXT    NOT NULL,
    until  INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE IF EXISTS playbook_leases;
