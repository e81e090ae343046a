package misp

import "encoding/json"

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
