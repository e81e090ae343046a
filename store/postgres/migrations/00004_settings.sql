-- The instance's own named values (store.Settings): its uuid, host organisation, enabled taxonomies and galaxies.

-- +goose Up
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
