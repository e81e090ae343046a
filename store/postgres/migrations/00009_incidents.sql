-- Incidents and their journals (store.Incidents). A journal entry's time is unix nanoseconds, exactly as hashed;
-- entries are read back in the order they were written (id). Nothing constrains seq: the journal's hash chain,
-- checked by automation/journal, is what tells a tampered journal, and it must be able to see one.

-- +goose Up
CREATE TABLE incidents (
    id            bigserial PRIMARY KEY,
    name          text             NOT NULL,
    type          text             NOT NULL,
    severity      double precision NOT NULL,
    status        text             NOT NULL,
    owner         text             NOT NULL,
    labels        text             NOT NULL,
    created       bigint           NOT NULL,
    updated       bigint           NOT NULL,
    journal_count bigint           NOT NULL DEFAULT 0,
    journal_head  text             NOT NULL DEFAULT ''
);

CREATE INDEX incidents_status ON incidents (status, id);

CREATE TABLE journal (
    id          bigserial PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    time        bigint NOT NULL,
    kind        text   NOT NULL,
    actor       text   NOT NULL,
    body        text   NOT NULL,
    prev        text   NOT NULL,
    hash        text   NOT NULL
);

CREATE INDEX journal_incident ON journal (incident_id, id);

-- +goose Down
DROP TABLE journal;
DROP TABLE incidents;
