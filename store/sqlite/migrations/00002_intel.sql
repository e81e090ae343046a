-- The intel store: MISP's organisations, users and API keys, sharing groups, events with their attributes,
-- objects, object references, event reports and tags, and sightings. Ids are INTEGER PRIMARY KEYs (SQLite's
-- rowids); uuids are unique and compared without case. Composite attribute values are split at the first '|'
-- into value1 and value2, as MISP stores them. Distributions are NULL while unset. Times are Unix seconds, except
-- first_seen/last_seen (microseconds). Organisations and users keep their searched fields in columns and the rest
-- of their MISP fields as JSON in data. Galaxy blocks an event or attribute arrived with are kept as JSON until
-- galaxies have tables of their own.

-- +goose Up
CREATE TABLE IF NOT EXISTS orgs (
    id    INTEGER PRIMARY KEY,
    uuid  TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    name  TEXT    NOT NULL UNIQUE,
    local INTEGER NOT NULL DEFAULT 0,
    data  TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE IF NOT EXISTS users (
    id       INTEGER PRIMARY KEY,
    org_id   INTEGER NOT NULL REFERENCES orgs (id),
    email    TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    role_id  INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    data     TEXT    NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX IF NOT EXISTS users_org ON users (org_id);

CREATE TABLE IF NOT EXISTS auth_keys (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authkey       TEXT    NOT NULL,
    authkey_start TEXT    NOT NULL,
    authkey_end   TEXT    NOT NULL,
    expiration    INTEGER NOT NULL DEFAULT 0,
    read_only     INTEGER NOT NULL DEFAULT 0,
    comment       TEXT    NOT NULL DEFAULT '',
    created       INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS auth_keys_fragment ON auth_keys (authkey_start, authkey_end);
CREATE INDEX IF NOT EXISTS auth_keys_user ON auth_keys (user_id);

CREATE TABLE IF NOT EXISTS sharing_groups (
    id                INTEGER PRIMARY KEY,
    uuid              TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    releasability     TEXT    NOT NULL DEFAULT '',
    local             INTEGER NOT NULL DEFAULT 0,
    active            INTEGER NOT NULL DEFAULT 0,
    roaming           INTEGER NOT NULL DEFAULT 0,
    organisation_uuid TEXT    NOT NULL DEFAULT '',
    org_id            INTEGER NOT NULL REFERENCES orgs (id),
    sync_user_id      INTEGER NOT NULL DEFAULT 0,
    created           TEXT    NOT NULL DEFAULT '',
    modified          TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE IF NOT EXISTS sharing_group_orgs (
    id               INTEGER PRIMARY KEY,
    sharing_group_id INTEGER NOT NULL REFERENCES sharing_groups (id) ON DELETE CASCADE,
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    extend           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, org_id)
) STRICT;

CREATE TABLE IF NOT EXISTS sharing_group_servers (
    id               INTEGER PRIMARY KEY,
    sharing_group_id INTEGER NOT NULL REFERENCES sharing_groups (id) ON DELETE CASCADE,
    server_id        INTEGER NOT NULL,
    all_orgs         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, server_id)
) STRICT;

CREATE TABLE IF NOT EXISTS tags (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    colour           TEXT    NOT NULL DEFAULT '',
    exportable       INTEGER NOT NULL DEFAULT 1,
    org_id           INTEGER NOT NULL DEFAULT 0,
    user_id          INTEGER NOT NULL DEFAULT 0,
    hide_tag         INTEGER NOT NULL DEFAULT 0,
    numerical_value  INTEGER,
    is_galaxy        INTEGER NOT NULL DEFAULT 0,
    is_custom_galaxy INTEGER NOT NULL DEFAULT 0,
    local_only       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE IF NOT EXISTS events (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    org_id              INTEGER NOT NULL REFERENCES orgs (id),
    orgc_id             INTEGER NOT NULL REFERENCES orgs (id),
    user_id             INTEGER NOT NULL DEFAULT 0,
    date                TEXT    NOT NULL DEFAULT '',
    threat_level_id     INTEGER NOT NULL DEFAULT 0,
    info                TEXT    NOT NULL DEFAULT '',
    published           INTEGER NOT NULL DEFAULT 0,
    attribute_count     INTEGER NOT NULL DEFAULT 0,
    analysis            INTEGER NOT NULL DEFAULT 0,
    timestamp           INTEGER NOT NULL DEFAULT 0,
    distribution        INTEGER,
    sharing_group_id    INTEGER NOT NULL DEFAULT 0,
    proposal_email_lock INTEGER NOT NULL DEFAULT 0,
    locked              INTEGER NOT NULL DEFAULT 0,
    publish_timestamp   INTEGER NOT NULL DEFAULT 0,
    sighting_timestamp  INTEGER NOT NULL DEFAULT 0,
    disable_correlation INTEGER NOT NULL DEFAULT 0,
    extends_uuid        TEXT    NOT NULL DEFAULT '',
    protected           INTEGER NOT NULL DEFAULT 0,
    event_creator_email TEXT    NOT NULL DEFAULT '',
    galaxies            TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS events_orgc ON events (orgc_id);
CREATE INDEX IF NOT EXISTS events_org ON events (org_id);
CREATE INDEX IF NOT EXISTS events_timestamp ON events (timestamp);
CREATE INDEX IF NOT EXISTS events_publish_timestamp ON events (publish_timestamp);
CREATE INDEX IF NOT EXISTS events_date ON events (date);

CREATE TABLE IF NOT EXISTS event_tags (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tag_id            INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    local             INTEGER NOT NULL DEFAULT 0,
    relationship_type TEXT    NOT NULL DEFAULT '',
    UNIQUE (event_id, tag_id)
) STRICT;
CREATE INDEX IF NOT EXISTS event_tags_tag ON event_tags (tag_id);

CREATE TABLE IF NOT EXISTS objects (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL DEFAULT '',
    meta_category    TEXT    NOT NULL DEFAULT '',
    description      TEXT    NOT NULL DEFAULT '',
    template_uuid    TEXT    NOT NULL DEFAULT '',
    template_version INTEGER NOT NULL DEFAULT 0,
    timestamp        INTEGER NOT NULL DEFAULT 0,
    distribution     INTEGER,
    sharing_group_id INTEGER NOT NULL DEFAULT 0,
    comment          TEXT    NOT NULL DEFAULT '',
    deleted          INTEGER NOT NULL DEFAULT 0,
    first_seen       INTEGER,
    last_seen        INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS objects_event ON objects (event_id);

CREATE TABLE IF NOT EXISTS attributes (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    event_id            INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    object_id           INTEGER NOT NULL DEFAULT 0,
    object_relation     TEXT    NOT NULL DEFAULT '',
    category            TEXT    NOT NULL DEFAULT '',
    type                TEXT    NOT NULL,
    value1              TEXT    NOT NULL,
    value2              TEXT    NOT NULL DEFAULT '',
    to_ids              INTEGER,
    timestamp           INTEGER NOT NULL DEFAULT 0,
    distribution        INTEGER,
    sharing_group_id    INTEGER NOT NULL DEFAULT 0,
    comment             TEXT    NOT NULL DEFAULT '',
    deleted             INTEGER NOT NULL DEFAULT 0,
    disable_correlation INTEGER NOT NULL DEFAULT 0,
    first_seen          INTEGER,
    last_seen           INTEGER,
    data                TEXT    NOT NULL DEFAULT '',
    galaxies            TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS attributes_event ON attributes (event_id);
CREATE INDEX IF NOT EXISTS attributes_object ON attributes (object_id) WHERE object_id <> 0;
CREATE INDEX IF NOT EXISTS attributes_value1 ON attributes (value1);
CREATE INDEX IF NOT EXISTS attributes_value2 ON attributes (value2) WHERE value2 <> '';
CREATE INDEX IF NOT EXISTS attributes_type ON attributes (type);
CREATE INDEX IF NOT EXISTS attributes_timestamp ON attributes (timestamp);

CREATE TABLE IF NOT EXISTS attribute_tags (
    id                INTEGER PRIMARY KEY,
    attribute_id      INTEGER NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    event_id          INTEGER NOT NULL,
    tag_id            INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    local             INTEGER NOT NULL DEFAULT 0,
    relationship_type TEXT    NOT NULL DEFAULT '',
    UNIQUE (attribute_id, tag_id)
) STRICT;
CREATE INDEX IF NOT EXISTS attribute_tags_tag ON attribute_tags (tag_id);
CREATE INDEX IF NOT EXISTS attribute_tags_event ON attribute_tags (event_id);

CREATE TABLE IF NOT EXISTS object_references (
    id                INTEGER PRIMARY KEY,
    uuid              TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    timestamp         INTEGER NOT NULL DEFAULT 0,
    object_id         INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    event_id          INTEGER NOT NULL,
    source_uuid       TEXT    NOT NULL DEFAULT '',
    referenced_uuid   TEXT    NOT NULL DEFAULT '',
    referenced_id     INTEGER NOT NULL DEFAULT 0,
    referenced_type   INTEGER NOT NULL DEFAULT 0,
    relationship_type TEXT    NOT NULL DEFAULT '',
    comment           TEXT    NOT NULL DEFAULT '',
    deleted           INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS object_references_object ON object_references (object_id);
CREATE INDEX IF NOT EXISTS object_references_event ON object_references (event_id);

CREATE TABLE IF NOT EXISTS event_reports (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL DEFAULT '',
    content          TEXT    NOT NULL DEFAULT '',
    distribution     INTEGER,
    sharing_group_id INTEGER NOT NULL DEFAULT 0,
    timestamp        INTEGER NOT NULL DEFAULT 0,
    deleted          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS event_reports_event ON event_reports (event_id);

CREATE TABLE IF NOT EXISTS sightings (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    attribute_id  INTEGER NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    event_id      INTEGER NOT NULL,
    org_id        INTEGER NOT NULL DEFAULT 0,
    date_sighting INTEGER NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL DEFAULT '',
    type          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS sightings_attribute ON sightings (attribute_id);
CREATE INDEX IF NOT EXISTS sightings_event ON sightings (event_id);

-- +goose Down
DROP TABLE IF EXISTS sightings;
DROP TABLE IF EXISTS event_reports;
DROP TABLE IF EXISTS object_references;
DROP TABLE IF EXISTS attribute_tags;
DROP TABLE IF EXISTS attributes;
DROP TABLE IF EXISTS objects;
DROP TABLE IF EXISTS event_tags;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS sharing_group_servers;
DROP TABLE IF EXISTS sharing_group_orgs;
DROP TABLE IF EXISTS sharing_groups;
DROP TABLE IF EXISTS auth_keys;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS orgs;
