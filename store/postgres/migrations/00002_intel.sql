-- The intel store: MISP's organisations, users and API keys, sharing groups, events with their attributes,
-- objects, object references, event reports and tags, and sightings. The tables, columns and their meaning are
-- store/sqlite's, so that the store code and the acl conditions' SQL read the same in both backends: flags are
-- 0/1 integers, times Unix seconds (first_seen/last_seen microseconds), distributions NULL while unset. Uuids are
-- stored in lower case and looked up lowered; e-mails are unique without regard to case (an index on lower(email));
-- tag names sort bytewise (COLLATE "C") whatever the database's collation. Composite attribute values are split at
-- the first '|' into value1 and value2, as MISP stores them.
-- Values are indexed by hash: a btree entry is limited to about 2.7 kB, and a value may be longer.

-- +goose Up
CREATE TABLE orgs (
    id bigserial PRIMARY KEY,
    uuid  text    NOT NULL UNIQUE,
    name  text    NOT NULL UNIQUE,
    local bigint NOT NULL DEFAULT 0,
    data  text    NOT NULL DEFAULT '{}'
);

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    org_id   bigint NOT NULL REFERENCES orgs (id),
    email    text    NOT NULL,
    role_id  bigint NOT NULL DEFAULT 0,
    disabled bigint NOT NULL DEFAULT 0,
    data     text    NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_org ON users (org_id);

CREATE TABLE auth_keys (
    id bigserial PRIMARY KEY,
    uuid          text    NOT NULL UNIQUE,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authkey       text    NOT NULL,
    authkey_start text    NOT NULL,
    authkey_end   text    NOT NULL,
    expiration    bigint NOT NULL DEFAULT 0,
    read_only     bigint NOT NULL DEFAULT 0,
    comment       text    NOT NULL DEFAULT '',
    created       bigint NOT NULL
);
CREATE INDEX auth_keys_fragment ON auth_keys (authkey_start, authkey_end);
CREATE INDEX auth_keys_user ON auth_keys (user_id);

CREATE TABLE sharing_groups (
    id bigserial PRIMARY KEY,
    uuid              text    NOT NULL UNIQUE,
    name              text    NOT NULL,
    description       text    NOT NULL DEFAULT '',
    releasability     text    NOT NULL DEFAULT '',
    local             bigint NOT NULL DEFAULT 0,
    active            bigint NOT NULL DEFAULT 0,
    roaming           bigint NOT NULL DEFAULT 0,
    organisation_uuid text    NOT NULL DEFAULT '',
    org_id            bigint NOT NULL REFERENCES orgs (id),
    sync_user_id      bigint NOT NULL DEFAULT 0,
    created           text    NOT NULL DEFAULT '',
    modified          text    NOT NULL DEFAULT ''
);

CREATE TABLE sharing_group_orgs (
    id bigserial PRIMARY KEY,
    sharing_group_id bigint NOT NULL REFERENCES sharing_groups (id) ON DELETE CASCADE,
    org_id           bigint NOT NULL REFERENCES orgs (id),
    extend           bigint NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, org_id)
);

CREATE TABLE sharing_group_servers (
    id bigserial PRIMARY KEY,
    sharing_group_id bigint NOT NULL REFERENCES sharing_groups (id) ON DELETE CASCADE,
    server_id        bigint NOT NULL,
    all_orgs         bigint NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, server_id)
);

CREATE TABLE tags (
    id bigserial PRIMARY KEY,
    name             text    NOT NULL COLLATE "C" UNIQUE,
    colour           text    NOT NULL DEFAULT '',
    exportable       bigint NOT NULL DEFAULT 1,
    org_id           bigint NOT NULL DEFAULT 0,
    user_id          bigint NOT NULL DEFAULT 0,
    hide_tag         bigint NOT NULL DEFAULT 0,
    numerical_value  bigint,
    is_galaxy        bigint NOT NULL DEFAULT 0,
    is_custom_galaxy bigint NOT NULL DEFAULT 0,
    local_only       bigint NOT NULL DEFAULT 0
);

CREATE TABLE events (
    id bigserial PRIMARY KEY,
    uuid                text    NOT NULL UNIQUE,
    org_id              bigint NOT NULL REFERENCES orgs (id),
    orgc_id             bigint NOT NULL REFERENCES orgs (id),
    user_id             bigint NOT NULL DEFAULT 0,
    date                text    NOT NULL DEFAULT '',
    threat_level_id     bigint NOT NULL DEFAULT 0,
    info                text    NOT NULL DEFAULT '',
    published           bigint NOT NULL DEFAULT 0,
    attribute_count     bigint NOT NULL DEFAULT 0,
    analysis            bigint NOT NULL DEFAULT 0,
    timestamp           bigint NOT NULL DEFAULT 0,
    distribution        bigint,
    sharing_group_id    bigint NOT NULL DEFAULT 0,
    proposal_email_lock bigint NOT NULL DEFAULT 0,
    locked              bigint NOT NULL DEFAULT 0,
    publish_timestamp   bigint NOT NULL DEFAULT 0,
    sighting_timestamp  bigint NOT NULL DEFAULT 0,
    disable_correlation bigint NOT NULL DEFAULT 0,
    extends_uuid        text    NOT NULL DEFAULT '',
    protected           bigint NOT NULL DEFAULT 0,
    event_creator_email text    NOT NULL DEFAULT '',
    galaxies            text
);
CREATE INDEX events_orgc ON events (orgc_id);
CREATE INDEX events_org ON events (org_id);
CREATE INDEX events_timestamp ON events (timestamp);
CREATE INDEX events_publish_timestamp ON events (publish_timestamp);
CREATE INDEX events_date ON events (date);

CREATE TABLE event_tags (
    id bigserial PRIMARY KEY,
    event_id          bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tag_id            bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    local             bigint NOT NULL DEFAULT 0,
    relationship_type text    NOT NULL DEFAULT '',
    UNIQUE (event_id, tag_id)
);
CREATE INDEX event_tags_tag ON event_tags (tag_id);

CREATE TABLE objects (
    id bigserial PRIMARY KEY,
    uuid             text    NOT NULL UNIQUE,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name             text    NOT NULL DEFAULT '',
    meta_category    text    NOT NULL DEFAULT '',
    description      text    NOT NULL DEFAULT '',
    template_uuid    text    NOT NULL DEFAULT '',
    template_version bigint NOT NULL DEFAULT 0,
    timestamp        bigint NOT NULL DEFAULT 0,
    distribution     bigint,
    sharing_group_id bigint NOT NULL DEFAULT 0,
    comment          text    NOT NULL DEFAULT '',
    deleted          bigint NOT NULL DEFAULT 0,
    first_seen       bigint,
    last_seen        bigint
);
CREATE INDEX objects_event ON objects (event_id);

CREATE TABLE attributes (
    id bigserial PRIMARY KEY,
    uuid                text    NOT NULL UNIQUE,
    event_id            bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    object_id           bigint NOT NULL DEFAULT 0,
    object_relation     text    NOT NULL DEFAULT '',
    category            text    NOT NULL DEFAULT '',
    type                text    NOT NULL,
    value1              text    NOT NULL,
    value2              text    NOT NULL DEFAULT '',
    to_ids              bigint,
    timestamp           bigint NOT NULL DEFAULT 0,
    distribution        bigint,
    sharing_group_id    bigint NOT NULL DEFAULT 0,
    comment             text    NOT NULL DEFAULT '',
    deleted             bigint NOT NULL DEFAULT 0,
    disable_correlation bigint NOT NULL DEFAULT 0,
    first_seen          bigint,
    last_seen           bigint,
    data                text    NOT NULL DEFAULT '',
    galaxies            text
);
CREATE INDEX attributes_event ON attributes (event_id);
CREATE INDEX attributes_object ON attributes (object_id) WHERE object_id <> 0;
CREATE INDEX attributes_value1 ON attributes USING hash (value1);
CREATE INDEX attributes_value2 ON attributes USING hash (value2) WHERE value2 <> '';
CREATE INDEX attributes_type ON attributes (type);
CREATE INDEX attributes_timestamp ON attributes (timestamp);

CREATE TABLE attribute_tags (
    id bigserial PRIMARY KEY,
    attribute_id      bigint NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    event_id          bigint NOT NULL,
    tag_id            bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    local             bigint NOT NULL DEFAULT 0,
    relationship_type text    NOT NULL DEFAULT '',
    UNIQUE (attribute_id, tag_id)
);
CREATE INDEX attribute_tags_tag ON attribute_tags (tag_id);
CREATE INDEX attribute_tags_event ON attribute_tags (event_id);

CREATE TABLE object_references (
    id bigserial PRIMARY KEY,
    uuid              text    NOT NULL UNIQUE,
    timestamp         bigint NOT NULL DEFAULT 0,
    object_id         bigint NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
    event_id          bigint NOT NULL,
    source_uuid       text    NOT NULL DEFAULT '',
    referenced_uuid   text    NOT NULL DEFAULT '',
    referenced_id     bigint NOT NULL DEFAULT 0,
    referenced_type   bigint NOT NULL DEFAULT 0,
    relationship_type text    NOT NULL DEFAULT '',
    comment           text    NOT NULL DEFAULT '',
    deleted           bigint NOT NULL DEFAULT 0
);
CREATE INDEX object_references_object ON object_references (object_id);
CREATE INDEX object_references_event ON object_references (event_id);

CREATE TABLE event_reports (
    id bigserial PRIMARY KEY,
    uuid             text    NOT NULL UNIQUE,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name             text    NOT NULL DEFAULT '',
    content          text    NOT NULL DEFAULT '',
    distribution     bigint,
    sharing_group_id bigint NOT NULL DEFAULT 0,
    timestamp        bigint NOT NULL DEFAULT 0,
    deleted          bigint NOT NULL DEFAULT 0
);
CREATE INDEX event_reports_event ON event_reports (event_id);

CREATE TABLE sightings (
    id bigserial PRIMARY KEY,
    uuid          text    NOT NULL UNIQUE,
    attribute_id  bigint NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    event_id      bigint NOT NULL,
    org_id        bigint NOT NULL DEFAULT 0,
    date_sighting bigint NOT NULL DEFAULT 0,
    source        text    NOT NULL DEFAULT '',
    type          bigint NOT NULL DEFAULT 0
);
CREATE INDEX sightings_attribute ON sightings (attribute_id);
CREATE INDEX sightings_event ON sightings (event_id);

-- +goose Down
DROP TABLE sightings;
DROP TABLE event_reports;
DROP TABLE object_references;
DROP TABLE attribute_tags;
DROP TABLE attributes;
DROP TABLE objects;
DROP TABLE event_tags;
DROP TABLE events;
DROP TABLE tags;
DROP TABLE sharing_group_servers;
DROP TABLE sharing_group_orgs;
DROP TABLE sharing_groups;
DROP TABLE auth_keys;
DROP TABLE users;
DROP TABLE orgs;
