package misp

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// Tag is a label on an event or attribute (JSON key "Tag"). Names are free strings, by
// convention machine tags (namespace:predicate="value", see ParseMachineTag); galaxy
// clusters are tags too (misp-galaxy:<type>="<value>", see ClusterTagName). On an event or
// attribute a tag also says whether it is local (never leaves this instance) and may carry a
// relationship type.
type Tag struct {
	ID             FlexInt  `json:"id,omitempty"`
	Name           string   `json:"name"`
	Colour         string   `json:"colour"`
	Exportable     FlexBool `json:"exportable"`
	OrgID          FlexInt  `json:"org_id"`
	UserID         FlexInt  `json:"user_id"`
	HideTag        FlexBool `json:"hide_tag"`
	NumericalValue *FlexInt `json:"numerical_value"`
	IsGalaxy       FlexBool `json:"is_galaxy"`
	IsCustomGalaxy FlexBool `json:"is_custom_galaxy"`
	LocalOnly      FlexBool `json:"local_only"`
	// Local is set on a tag attached to an event or attribute: a local attachment is never
	// synchronised or exported.
	Local FlexBool `json:"local"`
	// RelationshipType qualifies an attachment (e.g. "targets"); "" (null on the wire) when
	// unset.
	RelationshipType NullString `json:"relationship_type"`
}

// MachineTag splits the tag's name (see ParseMachineTag).
func (t *Tag) MachineTag() (MachineTag, error) { return ParseMachineTagName(t.Name) }

// EventTag is the attachment of a tag to an event as events/index lists it (JSON key
// "EventTag"): the join row with the tag inside.
type EventTag struct {
	ID               FlexInt    `json:"id,omitempty"`
	EventID          FlexInt    `json:"event_id"`
	TagID            FlexInt    `json:"tag_id"`
	Local            FlexBool   `json:"local"`
	RelationshipType NullString `json:"relationship_type"`
	Tag              *Tag       `json:"Tag,omitempty"`
}

// EventTags is an events/index entry's EventTag list. MISP sends it as a list, but also,
// from some versions, as a single object or as an object keyed "0", "1", … (a PHP array
// that lost its order, MISP#10379 and PyMISP#739); all three decode to a list (the keyed form
// in key order). It encodes as a list.
type EventTags []EventTag

// UnmarshalJSON accepts a list, one EventTag object, an object of EventTags keyed by
// index, and null.
func (l *EventTags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var v []EventTag
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
		return nil
	case len(b) == 0 || b[0] != '{':
		return malformed("EventTag is neither a list nor an object")
	}
	var keyed map[string]json.RawMessage
	if err := json.Unmarshal(b, &keyed); err != nil {
		return err
	}
	indexed := len(keyed) > 0
	for k := range keyed {
		if _, err := strconv.Atoi(k); err != nil {
			indexed = false
			break
		}
	}
	if !indexed {
		var one EventTag
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = EventTags{one}
		return nil
	}
	keys := make([]int, 0, len(keyed))
	for k := range keyed {
		n, _ := strconv.Atoi(k)
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make(EventTags, 0, len(keys))
	for _, n := range keys {
		var et EventTag
		if err := json.Unmarshal(keyed[strconv.Itoa(n)], &et); err != nil {
			return err
		}
		out = append(out, et)
	}
	*l = out
	return nil
}

// MarshalJSON writes a list ([] when empty).
func (l EventTags) MarshalJSON() ([]byte, error) { return json.Marshal(nonNil([]EventTag(l))) }

type tagEnvelope struct {
	Wrapped  listOrOne[Tag]  `json:"Tag"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Tag
}

func (env *tagEnvelope) parts() ([]Tag, [][]byte, *Tag) {
	if env.Wrapped != nil {
		return env.Wrapped, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Tag
}

// DecodeTag decodes one tag body: {"Tag": {…}} or a bare tag.
func DecodeTag(data []byte) (*Tag, error) { return decodeOne[Tag, tagEnvelope](data, "tag") }

// DecodeTags decodes a list of tags: tags/index's {"Tag": […]}, a JSON list of wrapped or
// bare tags, or a single tag; at most DefaultLimits().MaxTags.
func DecodeTags(data []byte) ([]Tag, error) {
	l := DefaultLimits()
	return decodeMany[Tag, tagEnvelope](data, "tag", l.MaxTags, l.MaxDepth)
}

// EncodeTag writes t as MISP answers tags/view, add and edit: {"Tag": {…}}.
func EncodeTag(t *Tag) ([]byte, error) { return encodeWrapped("Tag", t) }

// EncodeTags writes tags as MISP answers tags/index: {"Tag": […]}.
func EncodeTags(tags []Tag) ([]byte, error) { return encodeWrapped("Tag", nonNil(tags)) }
