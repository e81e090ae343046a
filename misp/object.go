package misp

import (
	"encoding/json"
	"strconv"
	"time"
)

// Object is a group of attributes built from a misp-objects template (JSON key "Object"):
// e.g. a "file" object with filename, md5 and size. Its attributes carry ObjectRelation (the
// template's relation names) and its references link it to other objects and attributes.
type Object struct {
	ID              FlexInt      `json:"id,omitempty"`
	Name            string       `json:"name"`
	MetaCategory    string       `json:"meta-category"`
	Description     string       `json:"description"`
	TemplateUUID    string       `json:"template_uuid"`
	TemplateVersion FlexInt      `json:"template_version"`
	EventID         FlexInt      `json:"event_id"`
	UUID            string       `json:"uuid"`
	Timestamp       Timestamp    `json:"timestamp"`
	Distribution    Distribution `json:"distribution,omitempty"`
	SharingGroupID  FlexInt      `json:"sharing_group_id"`
	Comment         string       `json:"comment"`
	Deleted         FlexBool     `json:"deleted"`
	FirstSeen       MicroTime    `json:"first_seen"`
	LastSeen        MicroTime    `json:"last_seen"`

	SharingGroup    *SharingGroup       `json:"SharingGroup,omitempty"`
	ObjectReference ObjectReferenceList `json:"ObjectReference"`
	Attribute       AttributeList       `json:"Attribute"`
}

// ObjectReferenceList is a list of references that encodes as [] when empty.
type ObjectReferenceList []ObjectReference

// MarshalJSON writes the list, [] when empty.
func (l ObjectReferenceList) MarshalJSON() ([]byte, error) {
	return marshalList([]ObjectReference(l))
}

// SoftDelete marks the object and each of its attributes deleted, as MISP's objects/delete
// does without "hard", moving their timestamps to now.
func (o *Object) SoftDelete(now time.Time) {
	o.Deleted = true
	o.Timestamp = TimestampOf(now)
	for i := range o.Attribute {
		o.Attribute[i].SoftDelete(now)
	}
}

// ReferencedType says what an object reference points at.
type ReferencedType int

// The referenced types.
const (
	ReferencedAttribute ReferencedType = 0
	ReferencedObject    ReferencedType = 1
)

// String returns "Attribute" or "Object".
func (r ReferencedType) String() string {
	switch r {
	case ReferencedAttribute:
		return "Attribute"
	case ReferencedObject:
		return "Object"
	}
	return "ReferencedType(" + strconv.Itoa(int(r)) + ")"
}

// UnmarshalJSON accepts 0, 1, "0" and "1".
func (r *ReferencedType) UnmarshalJSON(b []byte) error {
	v, err := enumUnmarshal(b, "referenced_type", 0, 1)
	*r = ReferencedType(v)
	return err
}

// MarshalText writes 0 or 1, which encoding/json puts in a JSON string.
func (r ReferencedType) MarshalText() ([]byte, error) { return FlexInt(r).MarshalText() }

// ObjectReference is a typed link from an object (ObjectUUID) to another object or
// attribute (ReferencedUUID), JSON key "ObjectReference", e.g. a file object "drops" another
// file. The relationship vocabulary is misp-objects' relationships/definition.json.
type ObjectReference struct {
	ID               FlexInt        `json:"id,omitempty"`
	UUID             string         `json:"uuid"`
	Timestamp        Timestamp      `json:"timestamp"`
	ObjectID         FlexInt        `json:"object_id"`
	ObjectUUID       string         `json:"object_uuid"`
	ReferencedUUID   string         `json:"referenced_uuid"`
	ReferencedID     FlexInt        `json:"referenced_id"`
	ReferencedType   ReferencedType `json:"referenced_type"`
	RelationshipType string         `json:"relationship_type"`
	Comment          string         `json:"comment"`
	Deleted          FlexBool       `json:"deleted"`
	EventID          FlexInt        `json:"event_id"`
	SourceUUID       string         `json:"source_uuid"`
	// Object summarises the referenced object when ReferencedType is ReferencedObject.
	Object *ReferencedObjectInfo `json:"Object,omitempty"`
	// Attribute summarises the referenced attribute when ReferencedType is
	// ReferencedAttribute.
	Attribute *ReferencedAttributeInfo `json:"Attribute,omitempty"`
}

// ReferencedObjectInfo is the summary of a referenced object MISP embeds in a reference.
type ReferencedObjectInfo struct {
	Name           string       `json:"name"`
	MetaCategory   string       `json:"meta-category"`
	UUID           string       `json:"uuid"`
	Distribution   Distribution `json:"distribution,omitempty"`
	SharingGroupID FlexInt      `json:"sharing_group_id"`
}

// ReferencedAttributeInfo is the summary of a referenced attribute MISP embeds in a
// reference.
type ReferencedAttributeInfo struct {
	UUID           string       `json:"uuid"`
	Value          string       `json:"value"`
	Type           string       `json:"type"`
	Category       string       `json:"category"`
	ToIDS          OptBool      `json:"to_ids,omitempty"`
	Distribution   Distribution `json:"distribution,omitempty"`
	SharingGroupID FlexInt      `json:"sharing_group_id"`
}

type objectEnvelope struct {
	Wrapped  *Object         `json:"Object"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Object
}

func (env *objectEnvelope) parts() ([]Object, [][]byte, *Object) {
	if env.Wrapped != nil {
		return []Object{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.Object
}

// DecodeObject decodes one object body, {"Object": {…}} or a bare object, and checks it
// against DefaultLimits (MaxAttributes, MaxTags).
func DecodeObject(data []byte) (*Object, error) {
	o, err := decodeOne[Object, objectEnvelope](data, "object")
	if err != nil {
		return nil, err
	}
	l := DefaultLimits()
	if l.MaxAttributes > 0 && len(o.Attribute) > l.MaxAttributes {
		return nil, overLimit("attributes in object "+o.UUID, len(o.Attribute), l.MaxAttributes)
	}
	for i := range o.Attribute {
		if err := l.checkAttributeTags(&o.Attribute[i]); err != nil {
			return nil, err
		}
		normalizeGalaxies(o.Attribute[i].Galaxy)
	}
	return o, nil
}

// EncodeObject writes o as MISP answers objects/view, add and edit: {"Object": {…}}.
func EncodeObject(o *Object) ([]byte, error) { return encodeWrapped("Object", o) }

type objectReferenceEnvelope struct {
	Wrapped  *ObjectReference `json:"ObjectReference"`
	Response json.RawMessage  `json:"response"`
	Request  json.RawMessage  `json:"request"`
	ObjectReference
}

func (env *objectReferenceEnvelope) parts() ([]ObjectReference, [][]byte, *ObjectReference) {
	if env.Wrapped != nil {
		return []ObjectReference{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.ObjectReference
}

// DecodeObjectReference decodes one reference body: {"ObjectReference": {…}} or the bare
// form PyMISP sends to objectReferences/add.
func DecodeObjectReference(data []byte) (*ObjectReference, error) {
	return decodeOne[ObjectReference, objectReferenceEnvelope](data, "object reference")
}

// EncodeObjectReference writes r as MISP answers objectReferences/add:
// {"ObjectReference": {…}}.
func EncodeObjectReference(r *ObjectReference) ([]byte, error) {
	return encodeWrapped("ObjectReference", r)
}
