package misp

import (
	"encoding/json"
	"strconv"
)

// SightingType says what a sighting reports.
type SightingType int

// The sighting types.
const (
	// SightingSeen reports that the value was seen (MISP type 0).
	SightingSeen SightingType = 0
	// SightingFalsePositive reports the value as a false positive (MISP type 1).
	SightingFalsePositive SightingType = 1
	// SightingExpiration sets when the value stops being relevant (MISP type 2).
	SightingExpiration SightingType = 2
)

// String returns "sighting", "false-positive" or "expiration".
func (t SightingType) String() string {
	switch t {
	case SightingSeen:
		return "sighting"
	case SightingFalsePositive:
		return "false-positive"
	case SightingExpiration:
		return "expiration"
	}
	return "SightingType(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of 0–2.
func (t SightingType) Valid() bool { return t >= 0 && t <= 2 }

// UnmarshalJSON accepts 0–2 as numbers or strings; "" and null mean 0.
func (t *SightingType) UnmarshalJSON(b []byte) error {
	v, err := enumUnmarshal(b, "sighting type", 0, 2)
	*t = SightingType(v)
	return err
}

// MarshalText writes the type (0), which encoding/json puts in a JSON string.
func (t SightingType) MarshalText() ([]byte, error) { return FlexInt(t).MarshalText() }

// Sighting records that an organisation saw an attribute's value (JSON key "Sighting").
//
// sightings/add requests use some keys differently: Value or Values name the values to sight
// (every visible attribute with that value is sighted), ID and UUID name the attribute, and
// Timestamp is the time of the sighting. A decoded request leaves them here for the API layer.
type Sighting struct {
	ID            FlexInt       `json:"id,omitempty"`
	UUID          string        `json:"uuid"`
	AttributeID   FlexInt       `json:"attribute_id"`
	AttributeUUID string        `json:"attribute_uuid,omitempty"`
	EventID       FlexInt       `json:"event_id"`
	OrgID         FlexInt       `json:"org_id"`
	DateSighting  Timestamp     `json:"date_sighting"`
	Source        string        `json:"source"`
	Type          SightingType  `json:"type"`
	Organisation  *Organisation `json:"Organisation,omitempty"`

	// Value is the value to sight, in a sightings/add request.
	Value string `json:"value,omitempty"`
	// Values are the values to sight, in a sightings/add request.
	Values []string `json:"values,omitempty"`
	// Timestamp is the time of the sighting in a sightings/add request (date_sighting in
	// answers).
	Timestamp Timestamp `json:"timestamp,omitempty"`
}

type sightingEnvelope struct {
	Wrapped  *Sighting       `json:"Sighting"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Sighting
}

func (env *sightingEnvelope) parts() ([]Sighting, [][]byte, *Sighting) {
	if env.Wrapped != nil {
		return []Sighting{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Sighting
}

// DecodeSighting decodes one sighting body: {"Sighting": {…}} or a bare sighting (as PyMISP
// sends to sightings/add).
func DecodeSighting(data []byte) (*Sighting, error) {
	return decodeOne[Sighting, sightingEnvelope](data, "sighting")
}

// DecodeSightings decodes a list of sightings (sightings/listSightings answers
// [{"Sighting": {…}}, …]) or a single one; at most DefaultLimits().MaxAttributes.
func DecodeSightings(data []byte) ([]Sighting, error) {
	l := DefaultLimits()
	return decodeMany[Sighting, sightingEnvelope](data, "sighting", l.MaxAttributes, l.MaxDepth)
}

// EncodeSighting writes s as MISP answers sightings/add: {"Sighting": {…}}.
func EncodeSighting(s *Sighting) ([]byte, error) { return encodeWrapped("Sighting", s) }

// EncodeSightings writes sightings as MISP answers sightings/listSightings:
// [{"Sighting": {…}}, …].
func EncodeSightings(sightings []Sighting) ([]byte, error) {
	buf := []byte{'['}
	for i := range sightings {
		if i > 0 {
			buf = append(buf, ',')
		}
		b, err := EncodeSighting(&sightings[i])
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	return append(buf, ']'), nil
}
