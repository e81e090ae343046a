-- Values that never correlate (store.CorrelationExclusions, MISP's correlation_exclusions): exact, or with '%'
-- at either end as a wildcard.

-- +goose Up
CREATE TABLE correlation_exclusions (
    id        bigserial PRIMARY KEY,
    value     text   NOT NULL UNIQUE,
    comment   text   NOT NULL DEFAULT '',
    from_json bigint NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE correlation_exclusions;
