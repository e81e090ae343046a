package misp

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
)

// Event is a MISP event (JSON key "Event"): a titled, dated collection of attributes and
// objects with tags and galaxies, owned by one organisation (Org) and created by another
// (Orgc). Its UUID is its identity across instances; its ID is local to one instance.
type Event struct {
	ID                 FlexInt      `json:"id,omitempty"`
	OrgcID             FlexInt      `json:"orgc_id"`
	OrgID              FlexInt      `json:"org_id"`
	Date               Date         `json:"date"`
	ThreatLevel        ThreatLevel  `json:"threat_level_id,omitempty"`
	Info               string       `json:"info"`
	Published          FlexBool     `json:"published"`
	UUID               string       `json:"uuid"`
	AttributeCount     FlexInt      `json:"attribute_count"`
	Analysis           Analysis     `json:"analysis"`
	Timestamp          Timestamp    `json:"timestamp"`
	Distribution       Distribution `json:"distribution,omitempty"`
	ProposalEmailLock  FlexBool     `json:"proposal_email_lock"`
	Locked             FlexBool     `json:"locked"`
	PublishTimestamp   Timestamp    `json:"publish_timestamp"`
	SightingTimestamp  Timestamp    `json:"sighting_timestamp,omitempty"`
	SharingGroupID     FlexInt      `json:"sharing_group_id"`
	DisableCorrelation FlexBool     `json:"disable_correlation"`
	ExtendsUUID        string       `json:"extends_uuid"`
	Protected          FlexBool     `json:"protected"`
	UserID             FlexInt      `json:"user_id,omitempty"`
	EventCreatorEmail  string       `json:"event_creator_email,omitempty"`

	Org              *Organisation      `json:"Org,omitempty"`
	Orgc             *Organisation      `json:"Orgc,omitempty"`
	SharingGroup     *SharingGroup      `json:"SharingGroup,omitempty"`
	Attribute        []Attribute        `json:"Attribute"`
	ShadowAttribute  []ShadowAttribute  `json:"ShadowAttribute"`
	RelatedEvent     []RelatedEvent     `json:"RelatedEvent"`
	Galaxy           []Galaxy           `json:"Galaxy"`
	Object           []Object           `json:"Object"`
	EventReport      []EventReport      `json:"EventReport"`
	CryptographicKey []CryptographicKey `json:"CryptographicKey"`
	Tag              []Tag              `json:"Tag,omitempty"`
	// EventTag is the form events/index gives the event's tags in (instead of Tag).
	EventTag EventTags `json:"EventTag,omitempty"`
	// Warnings names, by warninglist id, the enabled warninglists its attributes hit (events/view with
	// includeWarninglistHits).
	Warnings map[string]string `json:"warnings,omitempty"`
}

// MarshalJSON writes the event as MISP does in events/view: the element lists MISP always
// sends appear as [] when empty.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	p := plain(e)
	p.Attribute = nonNil(p.Attribute)
	p.ShadowAttribute = nonNil(p.ShadowAttribute)
	p.RelatedEvent = nonNil(p.RelatedEvent)
	p.Galaxy = nonNil(p.Galaxy)
	p.Object = nonNil(p.Object)
	p.EventReport = nonNil(p.EventReport)
	p.CryptographicKey = nonNil(p.CryptographicKey)
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// AllAttributes returns the number of attributes of the event, counting those inside its
// objects.
func (e *Event) AllAttributes() int {
	n := len(e.Attribute)
	for i := range e.Object {
		n += len(e.Object[i].Attribute)
	}
	return n
}

// normalize brings a decoded event to the form its encoding decodes to (see
// GalaxyCluster.MarshalJSON).
func (e *Event) normalize() {
	normalizeGalaxies(e.Galaxy)
	for i := range e.Attribute {
		normalizeGalaxies(e.Attribute[i].Galaxy)
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			normalizeGalaxies(e.Object[i].Attribute[j].Galaxy)
		}
	}
}

// RelatedEvent is one entry of an event's RelatedEvent list: a summary of another event that
// shares a correlating value.
type RelatedEvent struct {
	Event EventSummary `json:"Event"`
}

// EventSummary is the short form of an event MISP uses in RelatedEvent lists.
type EventSummary struct {
	ID           FlexInt       `json:"id,omitempty"`
	Date         Date          `json:"date"`
	ThreatLevel  ThreatLevel   `json:"threat_level_id"`
	Info         string        `json:"info"`
	Published    FlexBool      `json:"published"`
	UUID         string        `json:"uuid"`
	Analysis     Analysis      `json:"analysis"`
	Timestamp    Timestamp     `json:"timestamp"`
	Distribution Distribution  `json:"distribution,omitempty"`
	OrgID        FlexInt       `json:"org_id"`
	OrgcID       FlexInt       `json:"orgc_id"`
	Org          *Organisation `json:"Org,omitempty"`
	Orgc         *Organisation `json:"Orgc,omitempty"`
}

// CryptographicKey is a signing key attached to a protected event.
type CryptographicKey struct {
	ID          FlexInt   `json:"id,omitempty"`
	UUID        string    `json:"uuid"`
	Type        string    `json:"type"`
	Timestamp   Timestamp `json:"timestamp"`
	ParentID    FlexInt   `json:"parent_id"`
	ParentType  string    `json:"parent_type"`
	Revoked     FlexBool  `json:"revoked"`
	Fingerprint string    `json:"fingerprint"`
	KeyData     string    `json:"key_data"`
}

// eventEnvelope decodes every shape an event body comes in, in one pass: {"Event": {…}},
// a bare event, and the legacy {"response": …} / {"request": …} wrappers around either or
// around a list of them.
type eventEnvelope struct {
	Wrapped  *Event          `json:"Event"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Event
}

func (env *eventEnvelope) parts() ([]Event, [][]byte, *Event) {
	if env.Wrapped != nil {
		return []Event{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Event
}

// DecodeEvent decodes one event body with DefaultLimits: {"Event": {…}}, a bare event
// object, or {"response": [{"Event": …}]} holding exactly one event.
func DecodeEvent(data []byte) (*Event, error) { return DefaultLimits().DecodeEvent(data) }

// DecodeEvents decodes a body holding any number of events with DefaultLimits:
// {"response": [{"Event": …}, …]} (restSearch), a JSON list of wrapped or bare events, or any
// single-event form DecodeEvent accepts.
func DecodeEvents(data []byte) ([]*Event, error) { return DefaultLimits().DecodeEvents(data) }

// DecodeEvent is DecodeEvent with the limits l.
func (l Limits) DecodeEvent(data []byte) (*Event, error) {
	events, err := l.DecodeEvents(data)
	if err != nil {
		return nil, err
	}
	if len(events) != 1 {
		return nil, malformed("body holds %d events, want one", len(events))
	}
	return events[0], nil
}

// DecodeEvents is DecodeEvents with the limits l.
func (l Limits) DecodeEvents(data []byte) ([]*Event, error) {
	list, err := decodeMany[Event, eventEnvelope](data, "event", l.MaxEvents, l.MaxDepth)
	if err != nil {
		return nil, err
	}
	out := make([]*Event, len(list))
	for i := range list {
		e := &list[i]
		if err := l.CheckEvent(e); err != nil {
			return nil, err
		}
		e.normalize()
		out[i] = e
	}
	return out, nil
}

// CheckEvent checks e against the limits l.
func (l Limits) CheckEvent(e *Event) error {
	if l.MaxObjects > 0 && len(e.Object) > l.MaxObjects {
		return overLimit("objects in event "+e.UUID, len(e.Object), l.MaxObjects)
	}
	if n := e.AllAttributes(); l.MaxAttributes > 0 && n > l.MaxAttributes {
		return overLimit("attributes in event "+e.UUID, n, l.MaxAttributes)
	}
	if l.MaxTags <= 0 {
		return nil
	}
	if n := max(len(e.Tag), len(e.EventTag)); n > l.MaxTags {
		return overLimit("tags on event "+e.UUID, n, l.MaxTags)
	}
	for i := range e.Attribute {
		if err := l.checkAttributeTags(&e.Attribute[i]); err != nil {
			return err
		}
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			if err := l.checkAttributeTags(&e.Object[i].Attribute[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l Limits) checkAttributeTags(a *Attribute) error {
	if l.MaxTags > 0 && len(a.Tag) > l.MaxTags {
		return overLimit("tags on attribute "+a.UUID, len(a.Tag), l.MaxTags)
	}
	return nil
}

// EncodeEvent writes e as MISP answers events/view and events/add: {"Event": {…}}.
func EncodeEvent(e *Event) ([]byte, error) { return encodeWrapped("Event", e) }

// EncodeEvents writes events as MISP answers events/restSearch:
// {"response": [{"Event": {…}}, …]}. For large results use WriteEvents.
func EncodeEvents(events []*Event) ([]byte, error) {
	buf := []byte(`{"response":[`)
	for i, e := range events {
		if i > 0 {
			buf = append(buf, ',')
		}
		b, err := EncodeEvent(e)
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	return append(buf, "]}"...), nil
}

// WriteEvents streams events to w as MISP answers events/restSearch,
// {"response": [{"Event": {…}}, …]}, encoding each event as it arrives so the answer is
// never held in memory whole. It stops at the first error from events or from w and returns
// it; what was written by then is not valid JSON, so a server can only abort the response.
func WriteEvents(w io.Writer, events iter.Seq2[*Event, error]) error {
	return writeList(w, `{"response":[`, `]}`, events, EncodeEvent)
}

// writeList writes head, the encodings of the items separated by commas, and tail.
func writeList[T any](w io.Writer, head, tail string, items iter.Seq2[*T, error],
	encode func(*T) ([]byte, error)) error {
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	n := 0
	for item, err := range items {
		if err != nil {
			return err
		}
		b, err := encode(item)
		if err != nil {
			return fmt.Errorf("encoding item %d: %w", n, err)
		}
		if n > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		n++
	}
	_, err := io.WriteString(w, tail)
	return err
}
