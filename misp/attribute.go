package misp

import (
	"encoding/json"
	"io"
	"iter"
	"time"
)

// Attribute is one indicator or piece of information in an event (JSON key "Attribute"): a
// typed value in a category, flagged for detection (ToIDS) or not — a body that leaves
// to_ids out leaves ToIDS unset, for a server to apply the type's default. An attribute
// inside an object has ObjectID and ObjectRelation set. Composite types (filename|md5,
// ip-dst|port, …) carry both parts joined with '|' in Value.
type Attribute struct {
	ID                 FlexInt      `json:"id,omitempty"`
	Type               string       `json:"type"`
	Category           string       `json:"category"`
	ToIDS              OptBool      `json:"to_ids,omitempty"`
	UUID               string       `json:"uuid"`
	EventID            FlexInt      `json:"event_id"`
	Distribution       Distribution `json:"distribution,omitempty"`
	Timestamp          Timestamp    `json:"timestamp"`
	Comment            string       `json:"comment"`
	SharingGroupID     FlexInt      `json:"sharing_group_id"`
	Deleted            FlexBool     `json:"deleted"`
	DisableCorrelation FlexBool     `json:"disable_correlation"`
	ObjectID           FlexInt      `json:"object_id"`
	ObjectRelation     NullString   `json:"object_relation"`
	FirstSeen          MicroTime    `json:"first_seen"`
	LastSeen           MicroTime    `json:"last_seen"`
	Value              string       `json:"value"`
	// Data is the base64 content of an attachment or malware-sample attribute, sent only
	// when asked for (withAttachments) or when uploading.
	Data string `json:"data,omitempty"`
	// EventUUID is set in attributes/restSearch answers asked for with includeEventUuid.
	EventUUID string `json:"event_uuid,omitempty"`
	// Event is the owning event's summary in attributes/restSearch answers asked for with
	// includeContext.
	Event *EventSummary `json:"Event,omitempty"`

	SharingGroup    *SharingGroup       `json:"SharingGroup,omitempty"`
	Galaxy          GalaxyList          `json:"Galaxy"`
	ShadowAttribute ShadowAttributeList `json:"ShadowAttribute"`
	Sighting        []Sighting          `json:"Sighting,omitempty"`
	Tag             []Tag               `json:"Tag,omitempty"`
	// RelatedAttribute lists the attributes of other events that share a correlating value (events/view).
	RelatedAttribute []RelatedAttribute `json:"RelatedAttribute,omitempty"`
	// Warnings are the enabled warninglists the value hits, as events/view and restSearch's
	// includeWarninglistHits give them.
	Warnings []WarninglistWarning `json:"warnings,omitempty"`
	// Feed lists the enabled, cached feeds holding the value (includeFeedCorrelations).
	Feed []FeedHit `json:"Feed,omitempty"`
}

// WarninglistWarning is one warninglist an attribute's value hits, as MISP writes it in an attribute's
// "warnings" list.
type WarninglistWarning struct {
	// Value is the part of the value that hit (the value, or one part of a composite value).
	Value string `json:"value"`
	// Match is the list entry that matched.
	Match               string  `json:"match"`
	WarninglistID       FlexInt `json:"warninglist_id"`
	WarninglistName     string  `json:"warninglist_name"`
	WarninglistCategory string  `json:"warninglist_category"`
}

// RelatedAttribute is one correlation of an attribute in MISP's events/view: an attribute of another event
// holding the same value.
type RelatedAttribute struct {
	ID       FlexInt `json:"id"`
	EventID  FlexInt `json:"event_id"`
	ObjectID FlexInt `json:"object_id"`
	Type     string  `json:"type"`
	Category string  `json:"category,omitempty"`
	UUID     string  `json:"uuid,omitempty"`
	Value    string  `json:"value"`
	OrgID    FlexInt `json:"org_id"`
	Info     string  `json:"info"`
	// Event is the other event's summary, in attributes/restSearch answers asked for with includeCorrelations.
	Event *EventSummary `json:"Event,omitempty"`
}

// AttributeList is a list of attributes that encodes as [] when empty, as MISP writes an
// object's Attribute list. (The list types here, rather than MarshalJSON methods on the
// element types, keep encoding/json from re-scanning every attribute it has just written.)
type AttributeList []Attribute

// MarshalJSON writes the list, [] when empty.
func (l AttributeList) MarshalJSON() ([]byte, error) { return marshalList([]Attribute(l)) }

// ShadowAttributeList is a list of proposals that encodes as [] when empty.
type ShadowAttributeList []ShadowAttribute

// MarshalJSON writes the list, [] when empty.
func (l ShadowAttributeList) MarshalJSON() ([]byte, error) {
	return marshalList([]ShadowAttribute(l))
}

// marshalList writes [] for an empty list, else the list.
func marshalList[T any](l []T) ([]byte, error) {
	if len(l) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(l)
}

// InObject reports whether the attribute belongs to an object.
func (a *Attribute) InObject() bool { return a.ObjectID != 0 || a.ObjectRelation != "" }

// SoftDelete marks the attribute deleted as MISP's attributes/delete does without "hard":
// the attribute stays, with Deleted set and its timestamp moved to now, so the deletion
// reaches the instances it is synchronised with. Reads leave deleted attributes out unless
// asked for them (restSearch "deleted").
func (a *Attribute) SoftDelete(now time.Time) {
	a.Deleted = true
	a.Timestamp = TimestampOf(now)
}

// Restore undoes SoftDelete (attributes/restore), moving the timestamp to now.
func (a *Attribute) Restore(now time.Time) {
	a.Deleted = false
	a.Timestamp = TimestampOf(now)
}

// ShadowAttribute is a proposal (JSON key "ShadowAttribute"): a new attribute, a change to
// an existing one (OldID), or its deletion (ProposalToDelete), made by a user outside the
// owning organisation.
type ShadowAttribute struct {
	ID                 FlexInt       `json:"id,omitempty"`
	OldID              FlexInt       `json:"old_id"`
	EventID            FlexInt       `json:"event_id"`
	Type               string        `json:"type"`
	Category           string        `json:"category"`
	Value              string        `json:"value"`
	ToIDS              OptBool       `json:"to_ids,omitempty"`
	UUID               string        `json:"uuid"`
	EventUUID          string        `json:"event_uuid"`
	OrgID              FlexInt       `json:"org_id"`
	Email              string        `json:"email,omitempty"`
	Comment            string        `json:"comment"`
	Deleted            FlexBool      `json:"deleted"`
	ProposalToDelete   FlexBool      `json:"proposal_to_delete"`
	DisableCorrelation FlexBool      `json:"disable_correlation"`
	Timestamp          Timestamp     `json:"timestamp"`
	FirstSeen          MicroTime     `json:"first_seen"`
	LastSeen           MicroTime     `json:"last_seen"`
	Org                *Organisation `json:"Org,omitempty"`
}

// attributeEnvelope decodes {"Attribute": {…}}, {"Attribute": […]} (bulk add, restSearch),
// a bare attribute, and the response/request wrappers around any of these.
type attributeEnvelope struct {
	Wrapped  listOrOne[Attribute] `json:"Attribute"`
	Response json.RawMessage      `json:"response"`
	Request  json.RawMessage      `json:"request"`
	Attribute
}

func (env *attributeEnvelope) parts() ([]Attribute, [][]byte, *Attribute) {
	if env.Wrapped != nil {
		return env.Wrapped, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Attribute
}

// DecodeAttribute decodes one attribute body: {"Attribute": {…}} or a bare attribute.
func DecodeAttribute(data []byte) (*Attribute, error) {
	a, err := decodeOne[Attribute, attributeEnvelope](data, "attribute")
	if err != nil {
		return nil, err
	}
	normalizeGalaxies(a.Galaxy)
	return a, nil
}

// DecodeAttributes decodes a body holding any number of attributes with DefaultLimits:
// attributes/restSearch's {"response": {"Attribute": […]}}, {"Attribute": […]}, a JSON list
// of wrapped or bare attributes (attributes/add in bulk), or a single attribute.
func DecodeAttributes(data []byte) ([]Attribute, error) {
	return DefaultLimits().DecodeAttributes(data)
}

// DecodeAttributes is DecodeAttributes with the limits l (MaxAttributes bounds the list,
// MaxTags each attribute's tags).
func (l Limits) DecodeAttributes(data []byte) ([]Attribute, error) {
	list, err := decodeMany[Attribute, attributeEnvelope](data, "attribute", l.MaxAttributes, l.MaxDepth)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := l.checkAttributeTags(&list[i]); err != nil {
			return nil, err
		}
		normalizeGalaxies(list[i].Galaxy)
	}
	return list, nil
}

// EncodeAttribute writes a as MISP answers attributes/view, add and edit: {"Attribute": {…}}.
func EncodeAttribute(a *Attribute) ([]byte, error) { return encodeWrapped("Attribute", a) }

// EncodeAttributes writes attributes as MISP answers attributes/restSearch:
// {"response": {"Attribute": […]}}, with [] when there are none.
func EncodeAttributes(attrs []Attribute) ([]byte, error) {
	inner, err := encodeWrapped("Attribute", nonNil(attrs))
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(inner)+14)
	buf = append(buf, `{"response":`...)
	buf = append(buf, inner...)
	return append(buf, '}'), nil
}

// WriteAttributes streams attributes to w as MISP answers attributes/restSearch,
// {"response": {"Attribute": […]}}, encoding each attribute as it arrives. It stops at the
// first error from attrs or from w and returns it; what was written by then is not valid
// JSON.
func WriteAttributes(w io.Writer, attrs iter.Seq2[*Attribute, error]) error {
	return writeList(w, `{"response":{"Attribute":[`, `]}}`, attrs, func(a *Attribute) ([]byte, error) {
		return json.Marshal(a)
	})
}

// CorrelationExclusion is a value that never correlates (MISP's correlation_exclusions): matched exactly, or with
// '%' at its start, end or both as a wildcard.
type CorrelationExclusion struct {
	ID       FlexInt  `json:"id,omitempty"`
	Value    string   `json:"value"`
	FromJSON FlexBool `json:"from_json"`
	Comment  string   `json:"comment"`
}
