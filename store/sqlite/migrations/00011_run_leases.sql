-- Leases on playbook runs (store.Playbooks.LeaseRun): which server drives a run, until when, so that several servers
-- on one store never drive the same run at once.

-- +goose Up
ALTER TABLE playbook_runs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE playbook_runs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE playbook_runs DROP COLUMN lease_until;
ALTER TABLE playbook_runs DROP COLUMN lease_owner;
