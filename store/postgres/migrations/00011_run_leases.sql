-- Leases on playbook runs (store.Playbooks.LeaseRun): which server drives a run, until when, so that several servers
-- on one store never drive the same run at once.

-- +goose Up
CREATE TABLE playbook_leases (
    run_id bigint PRIMARY KEY REFERENCES playbook_runs (id) ON DELETE CASCADE,
    owner  text   NOT NULL,
    until  bigint NOT NULL
);

-- +goose Down
DROP TABLE playbook_leases;
