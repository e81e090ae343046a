-- Values that never correlate (store.CorrelationExclusions, MISP's correlation_exclusions): exact, or with '%'
-- at either end as a wildcard.

-- +goose Up
CREATE TABLE IF NOT EXISTS correlation_exclusions (
    id      INTEGER PRIMARY KEY,
    value   TEXT NOT NULL UNIQUE,
    comment TEXT NOT NULL DEFAULT '',
    from_json INTEGER NOT NULL DEFAULT 0
) STRICT;

-- +goose Down
DROP TABLE IF EXISTS correlation_exclusions;
