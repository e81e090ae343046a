-- The instance's own named values (store.Settings): its uuid, host organisation, enabled taxonomies and galaxies.
-- Written to be applied twice harmlessly, as every migration here: two processes opening a new file at once may both run it.

-- +goose Up
CREATE TABLE IF NOT EXISTS settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE IF EXISTS settings;
