-- Attribute tags are also looked up by event and tag together (events searched by their attributes' tags):
-- one index on both replaces the index on the event alone, as store/sqlite's migration 3 does.

-- +goose Up
DROP INDEX attribute_tags_event;
CREATE INDEX attribute_tags_event_tag ON attribute_tags (event_id, tag_id);

-- +goose Down
DROP INDEX attribute_tags_event_tag;
CREATE INDEX attribute_tags_event ON attribute_tags (event_id);
